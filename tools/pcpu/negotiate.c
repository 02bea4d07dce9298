/* Accept and Accept-Encoding, by quality. */
#include "negotiate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One element of a header list: "token;param=value;q=0.5", trimmed. */
struct element {
	char token[64];
	char version[32]; /* the version parameter, "" when none; as long as any value */
	double q;
};

static const char *skip_space(const char *s)
{
	return s + strspn(s, " \t");
}

/* Copies up to a delimiter, trimmed of trailing blanks; returns the delimiter. */
static const char *word(const char *s, const char *delims, char *buf, size_t len)
{
	size_t n = strcspn(s, delims), k = n;

	while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
		k--;
	if (k >= len)
		k = len - 1;
	memcpy(buf, s, k);
	buf[k] = '\0';
	return s + n;
}

/* Parses the element at s into el; returns where the next one starts, or NULL at the end. */
static const char *element(const char *s, struct element *el)
{
	char name[32], value[32];

	el->version[0] = '\0';
	el->q = 1;
	s = word(skip_space(s), ",;", el->token, sizeof(el->token));
	while (*s == ';') {
		s = word(skip_space(s + 1), "=,;", name, sizeof(name));
		value[0] = '\0';
		if (*s == '=')
			s = word(skip_space(s + 1), ",;", value, sizeof(value));
		if (strcasecmp(name, "q") == 0)
			el->q = strtod(value, NULL);
		else if (strcasecmp(name, "version") == 0)
			snprintf(el->version, sizeof(el->version), "%s", value);
	}
	return *s == ',' ? s + 1 : NULL;
}

static void raise_to(double *q, double v)
{
	if (v > *q)
		*q = v;
}

enum expo_format negotiate_format(const char *accept)
{
	double om = 0, text = 0;
	struct element el;

	for (const char *s = accept; s;) {
		s = element(s, &el);
		if (strcasecmp(el.token, "application/openmetrics-text") == 0 &&
		    (!*el.version || strcmp(el.version, "1.0.0") == 0))
			raise_to(&om, el.q);
		else if ((strcasecmp(el.token, "text/plain") == 0 &&
			  (!*el.version || strcmp(el.version, "0.0.4") == 0)) ||
			 strcasecmp(el.token, "text/*") == 0 || strcmp(el.token, "*/*") == 0)
			raise_to(&text, el.q);
	}
	return om > 0 && om >= text ? EXPO_OPENMETRICS : EXPO_TEXT;
}

bool negotiate_gzip(const char *accept_encoding)
{
	double gzip = -1, any = -1;
	struct element el;

	for (const char *s = accept_encoding; s;) {
		s = element(s, &el);
		if (strcasecmp(el.token, "gzip") == 0 || strcasecmp(el.token, "x-gzip") == 0)
			raise_to(&gzip, el.q);
		else if (strcmp(el.token, "*") == 0)
			raise_to(&any, el.q);
	}
	return gzip >= 0 ? gzip > 0 : any > 0;
}
