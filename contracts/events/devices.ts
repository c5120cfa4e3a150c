// Contract of the `devices` topic: a device seen at the start of a session, with the
// fingerprinting service's verdicts (new to this user, emulator, bot).
import { z } from "zod";
import { idField, unitScore, utcTimestamp } from "./common.ts";

export const DEVICE_TYPES = ["mobile", "desktop", "tablet"] as const;

export type DeviceType = typeof DEVICE_TYPES[number];

export const DeviceEventSchema = z.object({
  event_id: idField(),
  event_time: utcTimestamp(),
  device_id: idField(),
  user_id: idField(),
  session_id: idField(),
  fingerprint: z.string().min(1),
  device_type: z.enum(DEVICE_TYPES),
  os: z.string().min(1),
  browser: z.string().min(1),
  is_new_device: z.boolean(),
  is_emulator: z.boolean(),
  is_bot: z.boolean(),
  bot_score: unitScore(),
});

export type DeviceEvent = z.infer<typeof DeviceEventSchema>;
