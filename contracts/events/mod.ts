// The event contracts of Sluice's six topics: import from here, not from the topic files.
export * from "./common.ts";
export * from "./topics.ts";
export * from "./validate.ts";
export * from "./orders.ts";
export * from "./payments.ts";
export * from "./users.ts";
export * from "./devices.ts";
export * from "./geo_events.ts";
export * from "./refunds.ts";
export * from "./stream_record.ts";
