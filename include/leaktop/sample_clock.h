/*
 * The clock a sample's intervals are measured on (doc/structure.md): the
 * sampler's steady clock (CLOCK_MONOTONIC, so an NTP step never makes an
 * interval negative) when the sampler took it, its wall time when it came
 * from a recording, which keeps no steady clock.  Apart from sample.h's
 * sampler so that the rules, the series and the views read it without
 * depending on the sampler.
 */
#ifndef LEAKTOP_SAMPLE_CLOCK_H
#define LEAKTOP_SAMPLE_CLOCK_H

#include "leaktop/sample.h"

static inline double sample_steady_time(const struct sample *s)
{
	return s->clock > 0 ? s->clock : s->time;
}

#endif
