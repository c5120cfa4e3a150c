// Contract of the `users` topic: the profile as the account service publishes it on
// sign-up, on a user's first visit in a stream (snapshot) and on each change.
import { z } from "zod";
import { countryField, idField, utcTimestamp } from "./common.ts";

export const USER_EVENT_TYPES = ["signup", "profile_snapshot", "profile_update"] as const;

export type UserEventType = typeof USER_EVENT_TYPES[number];

export const KYC_STATUSES = ["verified", "pending", "unverified"] as const;

export type KycStatus = typeof KYC_STATUSES[number];

export const UserEventSchema = z.object({
  event_id: idField(),
  event_time: utcTimestamp(),
  event_type: z.enum(USER_EVENT_TYPES),
  user_id: idField(),
  account_created_at: utcTimestamp(),
  home_country: countryField(),
  email_domain: z.string().min(1),
  kyc_status: z.enum(KYC_STATUSES),
  phone_verified: z.boolean(),
});

export type UserEvent = z.infer<typeof UserEventSchema>;
