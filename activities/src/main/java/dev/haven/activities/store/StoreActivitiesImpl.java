package dev.haven.activities.store;

import dev.haven.workflows.activities.StoreActivities;
import org.jdbi.v3.core.Jdbi;

/** PLACEHOLDER: the store helper replaces this file. Its constructor is fixed here. */
public final class StoreActivitiesImpl implements StoreActivities {
  private final Jdbi jdbi;

  public StoreActivitiesImpl(Jdbi jdbi) {
    this.jdbi = jdbi;
  }

  @Override
  public Ack recordItem(ItemUpdate update) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Ack recordRecoveryPoint(RecoveryPointRecord point) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Ack recordJobStep(JobStepUpdate update) {
    throw new UnsupportedOperationException();
  }

  @Override
  public Ack recordJobState(JobStateUpdate update) {
    throw new UnsupportedOperationException();
  }
}
