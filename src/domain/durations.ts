/** Milliseconds in a day: settings given in days (`*_TTL_DAYS`, `AUTO_DISABLE_AFTER_DAYS`) and day-long windows are kept in ms. */
export const DAY_MS = 86_400_000;
