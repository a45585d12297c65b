package mapping

import (
	"strings"
	"unicode/utf8"
)

// ProfileConversionLeads is the config's profile for Meta's Conversion
// Leads integration: CRM stage events of Lead Ads leads
// (https://developers.facebook.com/docs/marketing-api/conversions-api/conversion-leads-integration/payload-specification).
// The payload it specifies is action_source system_generated,
// user_data.lead_id, custom_data.event_source "crm" and
// custom_data.lead_event_source naming the CRM, with event_name the CRM's
// stage name as the CRM writes it.
const ProfileConversionLeads = "conversion_leads"

// Values the profile sends.
const (
	leadsActionSource = "system_generated"
	leadsEventSource  = "crm"
)

// maxLeadEventSource bounds lead_event_source: a CRM's name, not a text.
const maxLeadEventSource = 100

// applyProfile checks profile and lead_event_source and fills in the
// fields the profile sets: action_source, custom_data.event_source and
// custom_data.lead_event_source. A config that sets one of those itself
// to another value is refused, naming the key, rather than overridden:
// either the user meant something else or the profile is wrong for the
// file. Validate may run twice on one config; the second run finds the
// values the first filled in, which agree.
func (c *Config) applyProfile() error {
	c.LeadEventSource = strings.TrimSpace(c.LeadEventSource)
	switch c.Profile {
	case "":
		if c.LeadEventSource != "" {
			return c.errf("lead_event_source", ErrInvalid, "applies only with profile: %s", ProfileConversionLeads)
		}
		return nil
	case ProfileConversionLeads:
	default:
		return c.errf("profile", ErrInvalid, "%q: the only profile is %s", clip(c.Profile, 40), ProfileConversionLeads)
	}
	switch {
	case c.LeadEventSource == "":
		return c.errf("lead_event_source", ErrMissingRequired, "profile %s needs the CRM's name, such as HubSpot or Salesforce (Meta's custom_data.lead_event_source)", ProfileConversionLeads)
	case utf8.RuneCountInString(c.LeadEventSource) > maxLeadEventSource:
		return c.errf("lead_event_source", ErrInvalid, "want the CRM's name, at most %d characters", maxLeadEventSource)
	}
	f := &c.Fields
	if f.UserData["lead_id"] == nil {
		return c.errf("fields.user_data.lead_id", ErrMissingRequired, "profile %s needs the column of Lead Ads lead ids: Meta requires lead_id on every Conversion Leads event", ProfileConversionLeads)
	}
	if f.ActionSource == nil {
		f.ActionSource = &FieldSpec{Value: leadsActionSource}
	} else if v, ok := f.ActionSource.Value.(string); !ok || v != leadsActionSource {
		return c.errf("fields.action_source", ErrInvalid, "profile %s sends action_source %s: leave action_source out", ProfileConversionLeads, leadsActionSource)
	}
	if f.CustomData == nil {
		f.CustomData = map[string]*FieldSpec{}
	}
	for _, kv := range [...]struct{ key, value string }{
		{"event_source", leadsEventSource},
		{"lead_event_source", c.LeadEventSource},
	} {
		s := f.CustomData[kv.key]
		if s == nil {
			f.CustomData[kv.key] = &FieldSpec{Value: kv.value}
			continue
		}
		if v, ok := s.Value.(string); !ok || v != kv.value {
			return c.errf("fields.custom_data."+kv.key, ErrInvalid, "profile %s sets it (from lead_event_source): leave it out", ProfileConversionLeads)
		}
	}
	return nil
}

// userKeyRule says which options user_data.<k> may carry. The unhashed
// keys take columns only, without split: Meta takes one value of each (a
// string, not an array), so several columns are fallbacks and the first
// valid value is sent; and a constant would put one IP address or lead id
// on every event, which is never right. fbc alone takes click_time, and
// format for it.
func userKeyRule(k string) specRule {
	if IsUnhashedKey(k) {
		return specRule{column: true, format: k == "fbc", clickTime: k == "fbc"}
	}
	return specRule{column: true, constant: true, split: true, format: k == "db", hash: k == "external_id", part: k == "fn" || k == "ln"}
}

// checkUnhashed checks what userKeyRule cannot: fbc's format reads its
// click_time, so one without the other means a forgotten key.
func (c *Config) checkUnhashed() error {
	s := c.Fields.UserData["fbc"]
	if s != nil && s.Format != "" && s.ClickTime == "" {
		return c.errf("fields.user_data.fbc.format", ErrInvalid, "format reads click_time: give click_time, the column with the click time, too")
	}
	return nil
}
