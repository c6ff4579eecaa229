/*
 * Fuzz target of the recording reader: any bytes, read as a recording,
 * with and without the checksums (without, the decoders see every
 * mutation), every sample rebuilt and printed, every event walked.  Must
 * never crash, leak or read out of bounds.
 *
 * libFuzzer:  make fuzz  (clang -fsanitize=fuzzer,address,undefined)
 * AFL or a plain run: build with -DFUZZ_STANDALONE; it reads each file
 * named on the command line (or stdin) once.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "leaktop/export.h"
#include "leaktop/record.h"
#include "leaktop/out.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static void one(const uint8_t *data, size_t size, unsigned flags)
{
	struct record_reader *r = record_reader_open_mem(data, size, flags, NULL);
	struct export_session es;
	size_t i, n;

	if (!r)
		return;
	export_session_init(&es, record_reader_header(r), "fuzz");
	for (i = 0; i < record_reader_nevents(r); i++)
		export_session_add_event(&es, record_reader_event(r, i));
	n = record_reader_nsamples(r);
	for (i = 0; i < n && i < 64; i++) {
		struct sample s;

		/* forward, then one step back (a restart from the keyframe) */
		if (record_reader_sample(r, i, &s, NULL) == 0) {
			out_json_write(devnull, &s);
			out_text_write(devnull, &s);
			out_prom_write_default(devnull, &s);
			export_session_add_sample(&es, &s);
			out_markdown_write(devnull, &es, &s, &s);
			sample_release(&s);
		}
	}
	if (n > 1) {
		struct sample s;

		if (record_reader_sample(r, n / 2, &s, NULL) == 0)
			sample_release(&s);
	}
	for (i = 0; i < record_reader_nevents(r); i++) {
		const struct record_event *e = record_reader_event(r, i);

		if (e->note)
			fputs(e->note, devnull);
	}
	for (i = 0; i < record_reader_nwarnings(r); i++)
		fputs(record_reader_warning(r, i), devnull);
	record_reader_step_event(r, 0, 1, ~0u);
	record_reader_find_time(r, 1.7e9);
	export_session_release(&es);
	record_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	one(data, size, 0);
	one(data, size, RECORD_READ_NOCRC);
	return 0;
}

#ifdef FUZZ_STANDALONE
static void run_file(FILE *f)
{
	size_t cap = 1 << 16, n = 0, k;
	uint8_t *buf = malloc(cap);

	while (buf && (k = fread(buf + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap * 2);

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		LLVMFuzzerTestOneInput(buf, n);
	free(buf);
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2)
		run_file(stdin);
	for (i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		run_file(f);
		fclose(f);
	}
	return 0;
}
#endif
