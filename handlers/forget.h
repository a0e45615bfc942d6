/*
 * Erasing a person everywhere relais keeps them (Law 25): their profile,
 * matching index, counsellor assignment, pending follow-ups, ledgers and
 * digests, and the events that still carry their data (scheduled retries,
 * dead letters, unread entries). The suppression list stays: an opt-out
 * must outlive the person's data. Synchronous: for relaisctl, not the loop.
 */
#ifndef RELAIS_FORGET_H
#define RELAIS_FORGET_H

#include <hiredis/hiredis.h>

struct config;

struct forget_report {
	long long	person;		/* 1 when a stored profile was found */
	long long	followups;	/* pending follow-ups cancelled */
	long long	index;		/* matching index entries */
	long long	caseload;
	long long	ledgers;	/* employers' announcement ledgers */
	long long	digests;	/* pending digest entries */
	long long	scheduled;	/* retries carrying their events */
	long long	dead;		/* dead letters carrying their events */
	long long	events;		/* unread stream entries and inbox items */
	long long	seen;		/* dedupe markers of their follow-ups */
};

/* 0 with what was removed, or -1 with a message in err. */
int	forget_person(redisContext *, const struct config *, const char *pid,
	    struct forget_report *, char *err, size_t errlen);

#endif
