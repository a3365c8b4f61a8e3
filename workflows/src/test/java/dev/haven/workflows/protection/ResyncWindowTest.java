package dev.haven.workflows.protection;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/** R15's resync window: outside office hours (the default), anytime, manual; read in a zone. */
class ResyncWindowTest {
  static final ZoneId LISBON = ZoneId.of("Europe/Lisbon");

  private static long at(int year, int month, int day, int hour, int minute, ZoneId zone) {
    return ZonedDateTime.of(year, month, day, hour, minute, 0, 0, zone).toInstant().toEpochMilli();
  }

  @Test
  void R15_duringOfficeHoursOnAWeekdayTheWindowOpensAtSixInThePolicysZone() {
    long wednesdayTen = at(2026, 11, 25, 10, 0, LISBON);

    assertThat(ResyncWindow.delayMillis(wednesdayTen, "outside-office-hours", "Europe/Lisbon"))
        .isEqualTo(Duration.ofHours(8).toMillis());
    // The same instant is 05:00 in New York: before office hours there, so at once.
    assertThat(ResyncWindow.delayMillis(wednesdayTen, "outside-office-hours", "America/New_York"))
        .isZero();
  }

  @Test
  void R15_eveningsNightsAndWeekendsAreOpen() {
    String w = "outside-office-hours";
    assertThat(ResyncWindow.delayMillis(at(2026, 11, 25, 18, 0, LISBON), w, "Europe/Lisbon"))
        .isZero();
    assertThat(ResyncWindow.delayMillis(at(2026, 11, 25, 7, 59, LISBON), w, "Europe/Lisbon"))
        .isZero();
    assertThat(ResyncWindow.delayMillis(at(2026, 11, 28, 11, 0, LISBON), w, "Europe/Lisbon"))
        .as("Saturday")
        .isZero();
    assertThat(ResyncWindow.delayMillis(at(2026, 11, 25, 8, 0, LISBON), w, "Europe/Lisbon"))
        .isEqualTo(Duration.ofHours(10).toMillis());
  }

  @Test
  void R15_theDefaultIsOutsideOfficeHoursInUtcAndManualNeverOpensByItself() {
    long mondayNoonUtc = at(2026, 11, 23, 12, 0, ZoneId.of("UTC"));

    assertThat(ResyncWindow.delayMillis(mondayNoonUtc, null, null))
        .isEqualTo(Duration.ofHours(6).toMillis());
    assertThat(ResyncWindow.delayMillis(mondayNoonUtc, "outside-office-hours", "Not/AZone"))
        .isEqualTo(Duration.ofHours(6).toMillis());
    assertThat(ResyncWindow.delayMillis(mondayNoonUtc, "anytime", "UTC")).isZero();
    assertThat(ResyncWindow.delayMillis(mondayNoonUtc, "manual", "UTC"))
        .isEqualTo(ResyncWindow.NEVER);
  }

  @Test
  void R15_aDaylightSavingChangeKeepsSixOClockLocal() {
    // Sunday 29 March 2026 Lisbon moved to summer time; Monday 30 March 10:00 WEST → 18:00 WEST.
    long mondayTen = at(2026, 3, 30, 10, 0, LISBON);
    assertThat(ResyncWindow.delayMillis(mondayTen, "outside-office-hours", "Europe/Lisbon"))
        .isEqualTo(Duration.ofHours(8).toMillis());
  }
}
