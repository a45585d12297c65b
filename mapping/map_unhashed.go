package mapping

import (
	"capi-upload/capi"
	"strings"
)

// unhashedPlan is what a Mapper resolves for the unhashed keys beyond
// their columns (which are in Mapper.user like every key's).
type unhashedPlan struct {
	// clickTime reads fbc's click_time column, nil when none is mapped.
	clickTime *plan
	// leads says the config's profile is conversion_leads: every row
	// needs a valid lead_id.
	leads bool
}

func (m *Mapper) planUnhashed(r *resolver) error {
	m.unhashed.leads = m.cfg.Profile == ProfileConversionLeads
	s := m.cfg.Fields.UserData["fbc"]
	if s == nil || s.ClickTime == "" {
		return nil
	}
	p, err := r.plan("fields.user_data.fbc.click_time", &FieldSpec{Columns: []string{s.ClickTime}, Format: s.Format})
	if err != nil {
		return err
	}
	m.unhashed.clickTime = p
	return nil
}

// mapUnhashed sets the event's unhashed keys from the row and returns
// their bits (1 << key index) for the matching floor. Meta takes one value
// of each key, so the first valid value is sent; every value is checked,
// and each invalid one counted in ev.Invalid like a bad email.
func (m *Mapper) mapUnhashed(ev *capi.Event, cells []string) int {
	have := 0
	var scratch [4]string
	for i := capi.KeyClientIP; i < capi.NumUserKeys; i++ {
		p := m.user[i]
		if p == nil {
			continue
		}
		key := userKeyList[i]
		for _, v := range p.appendValues(scratch[:0], cells) {
			n, err := m.normalizeUnhashed(i, v, cells)
			if err != nil {
				ev.Invalid = append(ev.Invalid, capi.InvalidKey{Key: key, Reason: valueCode(err)})
				continue
			}
			if ev.UserData[i] == nil {
				// A copy: the event outlives the row, whose cells may
				// share one buffer with the rest of the row's data.
				ev.UserData[i] = []string{strings.Clone(n)}
				have |= 1 << i
			}
		}
	}
	return have
}

// normalizeUnhashed is NormalizeUnhashed, but for fbc a bare fbclid (or a
// landing-page URL carrying one) becomes the cookie when the config maps
// the click time.
func (m *Mapper) normalizeUnhashed(i int, v string, cells []string) (string, error) {
	n, err := NormalizeUnhashed(userKeyList[i], v)
	if i != capi.KeyFBC || m.unhashed.clickTime == nil || valueCode(err) != "bare_fbclid" {
		return n, err
	}
	id, _ := ExtractFBCLID(v)
	ct := m.unhashed.clickTime
	tv, _ := ct.first(cells)
	if tv == "" {
		return "", &ValueError{Key: "fbc", Code: "no_click_time"}
	}
	t, terr := ParseTime(tv, ct.format, m.cfg.Location)
	if terr != nil {
		return "", &ValueError{Key: "fbc", Code: "bad_click_time"}
	}
	return BuildFBC(id, t), nil
}

// Bits of the unhashed keys for the matching floor.
const (
	bitClientIP       = 1 << capi.KeyClientIP
	bitClientUA       = 1 << capi.KeyClientUserAgent
	bitFBC            = 1 << capi.KeyFBC
	bitLeadID         = 1 << capi.KeyLeadID
	bitUnhashedKeys   = 1<<capi.NumUserKeys - 1<<capi.KeyClientIP
	bitUnhashedMatch  = bitFBC | bitLeadID // each a match key alone
	bitUnhashedPaired = bitClientIP | bitClientUA
)

// floorKeys returns the keys of have that count for the matching floor.
// The README ("Keys sent unhashed") counts lead_id and fbc each as a match key, and client_ip_address
// with client_user_agent as one together: Meta lists client_user_agent in
// its too-broad sets
// (https://developers.facebook.com/docs/marketing-api/conversions-api/best-practices),
// and an address alone names a network more than a person. fbp,
// subscription_id, fb_login_id and madid are sent when valid but do not
// lift a row above the floor on their own: the README names no such role for
// them, and a row that has nothing else is better shown in rejects.csv
// than sent to match on a browser id.
func floorKeys(have int) int {
	keys := have &^ bitUnhashedKeys
	keys |= have & bitUnhashedMatch
	if have&bitUnhashedPaired == bitUnhashedPaired {
		keys |= bitUnhashedPaired
	}
	return keys
}

// checkFloor applies Meta's matching floor (weakKeySets) to the event's
// keys, and the Conversion Leads rule that every row carries a lead id.
// Details name keys and codes, never values.
func (m *Mapper) checkFloor(ev *capi.Event, have int) error {
	if m.unhashed.leads && have&bitLeadID == 0 {
		return &RowError{Reason: capi.ReasonNoUserData, Field: "user_data.lead_id", Detail: "profile " + ProfileConversionLeads + " needs a valid lead_id on every row" + invalidSuffix(ev.Invalid)}
	}
	keys := floorKeys(have)
	if keys == 0 {
		detail := "no valid customer key"
		if have != 0 {
			detail = "only " + keyNames(have) + ": not a match key on its own"
		}
		return &RowError{Reason: capi.ReasonNoUserData, Field: "user_data", Detail: detail + invalidSuffix(ev.Invalid)}
	}
	for _, weak := range weakKeySets {
		if keys&^weak == 0 {
			return &RowError{Reason: capi.ReasonNoUserData, Field: "user_data", Detail: "only " + keyNames(have) + ": too little for Meta to match" + invalidSuffix(ev.Invalid)}
		}
	}
	return nil
}
