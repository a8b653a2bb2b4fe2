// One guest's three moments on the host clock (epoch ms) and what P4 reports from a set of them: boot time (start →
// phone-home), request → phone-home (queueing included), and the time until the last guest has settled.
import { percentile } from '../stats';

export interface GuestTiming {
  name: string;
  requestedAt: number;
  bootStartedAt: number;
  phonedHomeAt: number;
  settledAt: number;
}

export interface ArmFigures {
  guests: GuestTiming[];
  bootP50Ms: number;
  bootP95Ms: number;
  requestToPhoneHomeP50Ms: number;
  requestToPhoneHomeP95Ms: number;
  allSettledMs: number;
}

export function armFigures(guests: GuestTiming[]): ArmFigures {
  const boot = guests.map((g) => g.phonedHomeAt - g.bootStartedAt);
  const request = guests.map((g) => g.phonedHomeAt - g.requestedAt);
  return {
    guests,
    bootP50Ms: percentile(boot, 0.5),
    bootP95Ms: percentile(boot, 0.95),
    requestToPhoneHomeP50Ms: percentile(request, 0.5),
    requestToPhoneHomeP95Ms: percentile(request, 0.95),
    allSettledMs: Math.max(...guests.map((g) => g.settledAt)) - Math.min(...guests.map((g) => g.requestedAt)),
  };
}
