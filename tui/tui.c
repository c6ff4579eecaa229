/*
 * The interactive UI.  Until the ncursesw front end lands, a terminal gets
 * the batch text samples, refreshed until interrupted.
 */
#include "options.h"

int tui_run(const struct lt_opts *o)
{
	struct lt_opts b = *o;

	if (!b.count_given)
		b.count = 0;
	return batch_run(&b);
}
