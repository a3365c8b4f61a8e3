package dev.haven.workflows.protection;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;

/**
 * When a resync that an item needs may run by itself (R15), from the policy's {@code resyncWindow}
 * read in its {@code resyncTimeZone}. A pure function of the time it is given, so that the workflow
 * passes {@code Workflow.currentTimeMillis()} and stays deterministic.
 *
 * <ul>
 *   <li>{@code outside-office-hours} (the default): Monday to Friday before 08:00 and from 18:00,
 *       and all of Saturday and Sunday, in the policy's zone. Resync reads every block of both
 *       disks, so it waits for the hours when the VM's users are not working.
 *   <li>{@code anytime}: at once.
 *   <li>{@code manual}: never by itself; only {@code POST /protected-items/{id}/resync} starts it.
 * </ul>
 */
final class ResyncWindow {
  static final String OUTSIDE_OFFICE_HOURS = "outside-office-hours";
  static final String ANYTIME = "anytime";
  static final String MANUAL = "manual";

  /** Office hours on working days, in the policy's zone. */
  static final LocalTime OFFICE_OPENS = LocalTime.of(8, 0);

  static final LocalTime OFFICE_CLOSES = LocalTime.of(18, 0);

  /** What {@link #delayMillis} answers for a window that never opens by itself. */
  static final long NEVER = -1;

  private ResyncWindow() {}

  /**
   * Milliseconds from {@code nowMillis} until the window opens: 0 while it is open, {@link #NEVER}
   * for {@code manual}. A missing window means {@code outside-office-hours}; a missing or unknown
   * zone means UTC.
   */
  static long delayMillis(long nowMillis, String window, String timeZone) {
    String w = window == null || window.isBlank() ? OUTSIDE_OFFICE_HOURS : window;
    return switch (w) {
      case ANYTIME -> 0;
      case MANUAL -> NEVER;
      default -> untilOutsideOfficeHours(nowMillis, zone(timeZone));
    };
  }

  private static long untilOutsideOfficeHours(long nowMillis, ZoneId zone) {
    ZonedDateTime now = Instant.ofEpochMilli(nowMillis).atZone(zone);
    DayOfWeek day = now.getDayOfWeek();
    boolean weekend = day == DayOfWeek.SATURDAY || day == DayOfWeek.SUNDAY;
    LocalTime time = now.toLocalTime();
    if (weekend || time.isBefore(OFFICE_OPENS) || !time.isBefore(OFFICE_CLOSES)) {
      return 0;
    }
    // Built from the local date and time, so that a daylight-saving change is honoured.
    ZonedDateTime closes = ZonedDateTime.of(now.toLocalDate(), OFFICE_CLOSES, zone);
    return Math.max(0, closes.toInstant().toEpochMilli() - nowMillis);
  }

  static ZoneId zone(String timeZone) {
    if (timeZone == null || timeZone.isBlank()) {
      return ZoneOffset.UTC;
    }
    try {
      return ZoneId.of(timeZone);
    } catch (DateTimeException e) {
      return ZoneOffset.UTC;
    }
  }
}
