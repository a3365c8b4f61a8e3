package dev.haven.api.resource;

import dev.haven.api.error.ApiException;
import dev.haven.api.json.JobJson;
import dev.haven.store.Job;
import dev.haven.store.JobDao;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** {@code /jobs}: every operation as a job with its steps (R28), newest first. */
@Path("/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {
  /** The most jobs that one listing answers. */
  static final int MAX_LIMIT = 1000;

  private final Jdbi jdbi;

  public JobResource(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  /** Jobs filtered by item, state and type (each optional), newest first. */
  @GET
  public List<JobJson.View> list(
      @QueryParam("itemId") String itemId,
      @QueryParam("state") String state,
      @QueryParam("type") String type,
      @QueryParam("limit") @DefaultValue("100") String limit) {
    if (state != null && !JobDao.STATES.contains(state)) {
      throw ApiException.badRequest(
          "state", "state must be one of " + String.join(", ", JobDao.STATES));
    }
    int max = limit(limit);
    return jdbi.withHandle(
        h -> {
          JobDao jobs = h.attach(JobDao.class);
          return jobs.list(blankToNull(itemId), state, blankToNull(type), max).stream()
              .map(job -> JobJson.View.of(job, jobs.steps(job.id())))
              .toList();
        });
  }

  @GET
  @Path("/{id}")
  public JobJson.View get(@PathParam("id") String id) {
    return jdbi.withHandle(
        h -> {
          JobDao jobs = h.attach(JobDao.class);
          Job job = jobs.find(id).orElseThrow(() -> ApiException.notFound("job", id, null));
          return JobJson.View.of(job, jobs.steps(id));
        });
  }

  private static int limit(String text) {
    try {
      int value = Integer.parseInt(text);
      if (value >= 1 && value <= MAX_LIMIT) {
        return value;
      }
    } catch (NumberFormatException ignored) {
      // Falls through to the same answer as an out-of-range number.
    }
    throw ApiException.badRequest("limit", "limit must be an integer from 1 to " + MAX_LIMIT);
  }

  private static String blankToNull(String text) {
    return text == null || text.isBlank() ? null : text;
  }
}
