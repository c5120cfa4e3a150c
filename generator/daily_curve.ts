// When events happen: a shop's traffic curve (quiet at night, peaking in the evening, a
// little busier at weekends) turned into a map from "share of the run's events" to a time.

/** Relative traffic per UTC hour of day. */
const HOURLY_WEIGHTS = [
  0.34,
  0.24,
  0.17,
  0.13,
  0.12,
  0.15,
  0.26,
  0.42,
  0.6,
  0.72,
  0.78,
  0.83,
  0.88,
  0.86,
  0.84,
  0.86,
  0.93,
  1.02,
  1.14,
  1.27,
  1.32,
  1.2,
  0.92,
  0.6,
];

/** Relative traffic per UTC weekday, Sunday first. */
const WEEKDAY_WEIGHTS = [1.08, 0.95, 0.95, 0.97, 1.0, 1.05, 1.12];

const HOUR_MS = 3_600_000;

/** Maps a fraction of the events in [start, end) to the instant by which that fraction happened. */
export class DailyCurve {
  readonly #start: number;
  readonly #cumulative: Float64Array;

  constructor(start: number, end: number) {
    const hours = Math.ceil((end - start) / HOUR_MS);
    this.#start = start;
    this.#cumulative = new Float64Array(hours + 1);
    for (let h = 0; h < hours; h++) {
      const at = new Date(start + h * HOUR_MS);
      const weight = HOURLY_WEIGHTS[at.getUTCHours()] * WEEKDAY_WEIGHTS[at.getUTCDay()];
      this.#cumulative[h + 1] = this.#cumulative[h] + weight;
    }
  }

  /** The instant (epoch ms) at which `fraction` in [0, 1) of the traffic has happened. */
  timeAt(fraction: number): number {
    const cumulative = this.#cumulative;
    const target = fraction * cumulative[cumulative.length - 1];
    let lo = 0;
    let hi = cumulative.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] <= target) lo = mid;
      else hi = mid;
    }
    const within = (target - cumulative[lo]) / (cumulative[lo + 1] - cumulative[lo]);
    return Math.floor(this.#start + (lo + within) * HOUR_MS);
  }
}
