// Countries and cities the synthetic shop sees: where shoppers live (with their currency),
// where fraud ships and connects from, and great-circle distance for travel speed.
import type { Currency } from "../contracts/events/mod.ts";

export interface City {
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
}

export interface Country {
  readonly code: string;
  /** Null for countries the shop does not sell in: they appear only as IP or shipping countries. */
  readonly currency: Currency | null;
  /** Share of shoppers living there; 0 for countries that only fraud touches. */
  readonly shopperWeight: number;
  readonly highRisk: boolean;
  readonly cities: readonly City[];
}

const city = (name: string, lat: number, lon: number): City => ({ name, lat, lon });

export const COUNTRIES: readonly Country[] = [
  {
    code: "US",
    currency: "USD",
    shopperWeight: 30,
    highRisk: false,
    cities: [
      city("New York", 40.71, -74.01),
      city("Los Angeles", 34.05, -118.24),
      city("Chicago", 41.88, -87.63),
      city("Houston", 29.76, -95.37),
    ],
  },
  {
    code: "GB",
    currency: "GBP",
    shopperWeight: 9,
    highRisk: false,
    cities: [city("London", 51.51, -0.13), city("Manchester", 53.48, -2.24)],
  },
  {
    code: "DE",
    currency: "EUR",
    shopperWeight: 9,
    highRisk: false,
    cities: [
      city("Berlin", 52.52, 13.4),
      city("Munich", 48.14, 11.58),
      city("Hamburg", 53.55, 9.99),
    ],
  },
  {
    code: "FR",
    currency: "EUR",
    shopperWeight: 7,
    highRisk: false,
    cities: [city("Paris", 48.86, 2.35), city("Lyon", 45.76, 4.84)],
  },
  {
    code: "ES",
    currency: "EUR",
    shopperWeight: 5,
    highRisk: false,
    cities: [city("Madrid", 40.42, -3.7), city("Barcelona", 41.39, 2.17)],
  },
  {
    code: "IT",
    currency: "EUR",
    shopperWeight: 5,
    highRisk: false,
    cities: [city("Rome", 41.9, 12.5), city("Milan", 45.46, 9.19)],
  },
  {
    code: "NL",
    currency: "EUR",
    shopperWeight: 3,
    highRisk: false,
    cities: [city("Amsterdam", 52.37, 4.9), city("Rotterdam", 51.92, 4.48)],
  },
  {
    code: "BR",
    currency: "BRL",
    shopperWeight: 8,
    highRisk: false,
    cities: [city("Sao Paulo", -23.55, -46.63), city("Rio de Janeiro", -22.91, -43.17)],
  },
  {
    code: "MX",
    currency: "MXN",
    shopperWeight: 4,
    highRisk: false,
    cities: [city("Mexico City", 19.43, -99.13), city("Guadalajara", 20.66, -103.35)],
  },
  {
    code: "CA",
    currency: "CAD",
    shopperWeight: 4,
    highRisk: false,
    cities: [city("Toronto", 43.65, -79.38), city("Vancouver", 49.28, -123.12)],
  },
  {
    code: "AU",
    currency: "AUD",
    shopperWeight: 3,
    highRisk: false,
    cities: [city("Sydney", -33.87, 151.21), city("Melbourne", -37.81, 144.96)],
  },
  {
    code: "JP",
    currency: "JPY",
    shopperWeight: 4,
    highRisk: false,
    cities: [city("Tokyo", 35.68, 139.69), city("Osaka", 34.69, 135.5)],
  },
  {
    code: "IN",
    currency: "INR",
    shopperWeight: 5,
    highRisk: false,
    cities: [
      city("Mumbai", 19.08, 72.88),
      city("Delhi", 28.7, 77.1),
      city("Bengaluru", 12.97, 77.59),
    ],
  },
  {
    code: "SE",
    currency: "SEK",
    shopperWeight: 2,
    highRisk: false,
    cities: [city("Stockholm", 59.33, 18.07)],
  },
  {
    code: "PL",
    currency: "PLN",
    shopperWeight: 2,
    highRisk: false,
    cities: [city("Warsaw", 52.23, 21.01), city("Krakow", 50.06, 19.94)],
  },
  {
    code: "CH",
    currency: "CHF",
    shopperWeight: 1,
    highRisk: false,
    cities: [city("Zurich", 47.38, 8.54)],
  },
  {
    code: "NG",
    currency: null,
    shopperWeight: 0,
    highRisk: true,
    cities: [city("Lagos", 6.52, 3.38)],
  },
  {
    code: "RU",
    currency: null,
    shopperWeight: 0,
    highRisk: true,
    cities: [city("Moscow", 55.76, 37.62)],
  },
  {
    code: "VN",
    currency: null,
    shopperWeight: 0,
    highRisk: true,
    cities: [city("Ho Chi Minh City", 10.82, 106.63)],
  },
  {
    code: "ID",
    currency: null,
    shopperWeight: 0,
    highRisk: true,
    cities: [city("Jakarta", -6.21, 106.85)],
  },
  {
    code: "PH",
    currency: null,
    shopperWeight: 0,
    highRisk: true,
    cities: [city("Manila", 14.6, 120.98)],
  },
  {
    code: "RO",
    currency: null,
    shopperWeight: 0,
    highRisk: true,
    cities: [city("Bucharest", 44.43, 26.1)],
  },
];

export const SHOPPER_COUNTRIES: readonly Country[] = COUNTRIES.filter((c) => c.shopperWeight > 0);
export const HIGH_RISK_COUNTRIES: readonly Country[] = COUNTRIES.filter((c) => c.highRisk);

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in kilometres between two points given in degrees. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 +
    Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}
