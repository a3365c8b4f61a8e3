import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryRequest;
import io.temporal.api.workflowservice.v1.GetWorkflowExecutionHistoryResponse;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.util.concurrent.TimeUnit;

/**
 * The Temporal history length of an item's workflow (its current run): {@code historyLength} of
 * DescribeWorkflowExecution, or, where the server leaves that at zero, the events counted through
 * GetWorkflowExecutionHistory.
 */
final class HistoryProbe implements AutoCloseable {
  private final WorkflowServiceStubs stubs;
  private final String namespace;

  HistoryProbe(String target, String namespace) {
    this.stubs =
        WorkflowServiceStubs.newServiceStubs(
            WorkflowServiceStubsOptions.newBuilder().setTarget(target).build());
    this.namespace = namespace;
  }

  long historyLength(String workflowId) {
    WorkflowExecution execution = WorkflowExecution.newBuilder().setWorkflowId(workflowId).build();
    long length =
        stubs
            .blockingStub()
            .withDeadlineAfter(30, TimeUnit.SECONDS)
            .describeWorkflowExecution(
                DescribeWorkflowExecutionRequest.newBuilder()
                    .setNamespace(namespace)
                    .setExecution(execution)
                    .build())
            .getWorkflowExecutionInfo()
            .getHistoryLength();
    if (length > 0) {
      return length;
    }
    long events = 0;
    com.google.protobuf.ByteString page = com.google.protobuf.ByteString.EMPTY;
    do {
      GetWorkflowExecutionHistoryResponse r =
          stubs
              .blockingStub()
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .getWorkflowExecutionHistory(
                  GetWorkflowExecutionHistoryRequest.newBuilder()
                      .setNamespace(namespace)
                      .setExecution(execution)
                      .setNextPageToken(page)
                      .build());
      events += r.getHistory().getEventsCount();
      page = r.getNextPageToken();
    } while (!page.isEmpty());
    return events;
  }

  @Override
  public void close() {
    stubs.shutdown();
    stubs.awaitTermination(5, TimeUnit.SECONDS);
  }
}
