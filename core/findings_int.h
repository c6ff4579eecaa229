/*
 * Private to the triage files (core/findings*.c): the grouping pass that
 * findings_evaluate runs last, and the memory it keeps across samples.
 */
#ifndef LEAKTOP_FINDINGS_INT_H
#define LEAKTOP_FINDINGS_INT_H

#include "leaktop/findings.h"

struct sample;
struct findings_group_state;

struct findings_group_state *findings_group_state_new(void);
void findings_group_state_free(struct findings_group_state *g);

/*
 * One row per problem (doc/triage.md, "Groups"): fold the socket findings
 * of out that share a cause into one finding each, their members moved to
 * out->members; the findings of a process that is stopped, traced or stuck
 * in D become the members of its process_stopped finding.  Runs after the
 * states are marked, so each member keeps its own (confirmation, first
 * seen, mitigation); a process_stopped finding no longer raised is listed
 * resolved for resolved_keep_s.  out is left unsorted.  0 or -ENOMEM.
 */
int findings_group(const struct findings_config *c, struct findings_group_state *g,
		   const struct sample *s, struct finding_list *out);

#endif
