// Contract of the `geo_events` topic: where a session's requests came from, with the IP
// intelligence flags; consecutive events of one user give travel speed.
import { z } from "zod";
import { countryField, idField, utcTimestamp } from "./common.ts";

export const GeoEventSchema = z.object({
  event_id: idField(),
  event_time: utcTimestamp(),
  user_id: idField(),
  session_id: idField(),
  device_id: idField(),
  ip_address: z.string().min(1),
  ip_country: countryField(),
  city: z.string().min(1),
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  is_vpn: z.boolean(),
  is_proxy: z.boolean(),
  is_tor: z.boolean(),
});

export type GeoEvent = z.infer<typeof GeoEventSchema>;
