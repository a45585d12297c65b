package report

import (
	"capi-upload/capi"
	"cmp"
	"fmt"
	"maps"
	"slices"
)

// keyNames says, in plain words, what each customer key is.
var keyNames = map[string]string{
	"em": "email addresses", "ph": "phone numbers", "fn": "first names", "ln": "last names",
	"ct": "cities", "st": "states", "zp": "zip codes", "country": "countries",
	"db": "birth dates", "ge": "genders", "external_id": "customer ids",
	"client_ip_address": "IP addresses", "client_user_agent": "browser user agents",
	"fbc": "click ids (fbc)", "fbp": "browser ids (fbp)", "lead_id": "Lead Ads lead ids",
	"subscription_id": "subscription ids", "fb_login_id": "Facebook Login ids", "madid": "mobile advertiser ids",
}

// rejectAdvice is what to do about each reject reason, and how much a
// rejected row of that reason weighs against the others: rows the next
// run can still deliver (failed) rank above rows that need a config fix.
var rejectAdvice = map[capi.Reason]struct {
	weight float64
	text   string
}{
	capi.ReasonUploadFailed:     {1.5, "%s not acknowledged (upload_failed): not in the ledger, so the next run sends them"},
	capi.ReasonNoUserData:       {1.0, "%s without usable customer data (no_user_data): check that the email, phone and name columns are mapped"},
	capi.ReasonMissingRequired:  {1.0, "%s missing a required field (missing_required): the field column of rejects.csv names it"},
	capi.ReasonBadTime:          {1.0, "%s with an unreadable event time (bad_time): check event_time's format in the config"},
	capi.ReasonInvalidValue:     {1.0, "%s with an unreadable event field (invalid_value): see the field column of rejects.csv"},
	capi.ReasonAPIRejected:      {1.0, "%s refused by Meta (api_rejected): rejects.csv's detail column has Meta's message"},
	capi.ReasonFutureTime:       {0.8, "%s dated in the future (future_time): check the config's timezone"},
	capi.ReasonStale:            {0.8, "%s too old to send (stale, older than --max-age): upload daily so events reach Meta within its 7-day window"},
	capi.ReasonDuplicateEventID: {0.5, "%s reusing an earlier row's event id (duplicate_event_id): if they are separate sales, map a unique receipt column to event_id"},
}

// advise ranks plain-words hints by impact: the number of rows or events
// a hint concerns, times a weight for how much it costs. Key weights are
// MatchWeights, so a missing phone column outranks a missing gender.
func advise(s *Summary) []Advice {
	var out []Advice
	add := func(code string, impact float64, format string, args ...any) {
		if impact > 0 {
			out = append(out, Advice{Code: code, Impact: round4(impact), Text: fmt.Sprintf(format, args...)})
		}
	}
	sent := s.Outcomes.Sent
	for _, reason := range capi.Reasons {
		if n := s.Rejects[string(reason)]; n > 0 {
			a := rejectAdvice[reason]
			noun := "row"
			if reason == capi.ReasonAPIRejected {
				noun = "event"
			}
			add(string(reason), float64(n)*a.weight, a.text, count(n, noun))
		}
	}
	if sent > 0 {
		for _, k := range []string{"em", "ph"} {
			c := s.Coverage[k]
			w := MatchWeights[k]
			switch {
			case c.Events == 0 && !s.mapped(k):
				add("no_"+k, float64(sent)*w*2, "no column maps to %s: %s are among the strongest match keys; map a column to %s", k, keyNames[k], k)
			case c.Events == 0:
				add("no_"+k, float64(sent)*w*2, "no event carries %s although a column maps to it: the column is empty or its values are invalid", k)
			case c.Share < 0.5:
				add("low_"+k, float64(sent-c.Events)*w, "only %.0f%% of events carry %s: %s are among the strongest match keys", c.Share*100, k, keyNames[k])
			}
		}
		if s.Coverage["external_id"].Events == 0 && !s.mapped("external_id") {
			add("no_external_id", float64(sent)*0.1, "no event carries external_id: a loyalty or customer id helps Meta match the same person across channels")
		}
		if s.EventNames["Purchase"].Events > 0 && s.Dedup.OrderIDCount == 0 {
			add("no_order_id", float64(sent)*0.1, "no event carries custom_data.order_id: map the receipt or order number")
		}
	}
	for _, k := range capi.UserKeys {
		c := s.Coverage[k]
		if sh := c.InvalidShare(); sh >= 0.05 {
			code := topCode(c.InvalidBy)
			fix := ""
			if k == "ph" && code == "bad_phone" && s.DefaultCountry == "" {
				fix = "; numbers written without a country code need default_country in the config (e.g. US)"
			}
			add("invalid_"+k, float64(c.Invalid)*MatchWeights[k]*2, "%.0f%% of %s values were invalid (%s): those %s were dropped from their events%s",
				sh*100, k, code, keyNames[k], fix)
		}
	}
	slices.SortStableFunc(out, func(a, b Advice) int {
		return cmp.Or(cmp.Compare(b.Impact, a.Impact), cmp.Compare(a.Code, b.Code))
	})
	if out == nil {
		out = []Advice{}
	}
	return out
}

// mapped reports whether the config maps key; with MappedKeys unknown it
// answers false, the wording for a key nobody mapped.
func (s *Summary) mapped(key string) bool {
	return slices.Contains(s.MappedKeys, key)
}

// count is "1 row", "2 rows".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// topCode is the most frequent code, ties broken by name.
func topCode(m map[string]int) string {
	best, n := "", -1
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if m[k] > n {
			best, n = k, m[k]
		}
	}
	return best
}
