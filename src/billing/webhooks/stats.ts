// Counters of the pipeline since start, for logs, /metrics and health pages.
export interface WebhookStats {
  /** Deliveries verified and stored (new events). */
  stored: number;
  /** Deliveries of an event already stored, acknowledged and not reprocessed. */
  duplicates: number;
  /** Events fed by catch-up or replays through `ingest`. */
  ingested: number;
  signatureFailures: number;
  malformed: number;
  tooLarge: number;
  /** Deliveries answered 503 because the database could not store them. */
  unavailable: number;
  processed: number;
  failures: number;
  deadLettered: number;
  handlerRuns: number;
  mirrorWrites: number;
  /** Mirror writes skipped because the row held a newer state or a tombstone. */
  mirrorSkips: number;
  refetches: number;
  /** Seconds between the last processed event's creation at Stripe and its processing. */
  lastLagSeconds: number | null;
}

export const emptyStats = (): WebhookStats => ({
  stored: 0,
  duplicates: 0,
  ingested: 0,
  signatureFailures: 0,
  malformed: 0,
  tooLarge: 0,
  unavailable: 0,
  processed: 0,
  failures: 0,
  deadLettered: 0,
  handlerRuns: 0,
  mirrorWrites: 0,
  mirrorSkips: 0,
  refetches: 0,
  lastLagSeconds: null,
});
