/*
 * The machine a sample describes: its host name, kernel release and
 * uptime.  They are read under the procfs root the sample is taken from
 * (a fixture tree stands in for the live system in tests and with
 * --procfs) and travel with the sample, so the UI shows the recorded
 * machine in a replay, never the one it runs on.
 */
#ifndef LEAKTOP_HOST_H
#define LEAKTOP_HOST_H

#define HOST_TEXT_MAX 65	/* a UTS field (64) and its NUL */

/* Plain values, no pointers: a struct copy is a full copy. */
struct host_info {
	char name[HOST_TEXT_MAX];	/* sys/kernel/hostname; "" unknown */
	char release[HOST_TEXT_MAX];	/* sys/kernel/osrelease; "" unknown */
	double uptime;			/* seconds since boot; 0 unknown */
};

/*
 * Fill h from procroot ("/proc" live): sys/kernel/hostname,
 * sys/kernel/osrelease and uptime.  What cannot be read is left unknown.
 * 0 if all three were read, else the negative errno of the first that was
 * not.  The text is the inspected machine's: sanitize it before display.
 */
int host_read(const char *procroot, struct host_info *h);

#endif
