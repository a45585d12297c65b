package report

import (
	"strings"
	"testing"
	"time"

	"capi-upload/capi"
)

// The advice about a missing key says whether the config lacks a column
// for it or the mapped column gave nothing usable: the fixes differ.
func TestAdviceMissingKey(t *testing.T) {
	tests := []struct {
		name   string
		mapped []string
		want   string
	}{
		{"not mapped", []string{"em"}, "no column maps to ph"},
		{"mapped but empty", []string{"em", "ph"}, "no event carries ph although a column maps to it"},
		{"unknown mapping", nil, "no column maps to ph"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Create(t.TempDir(), Options{Command: "upload", Now: func() time.Time { return clock }, MappedKeys: tt.mapped})
			if err != nil {
				t.Fatal(err)
			}
			e := ev("a.csv", 2, "Purchase", time.Hour, capi.UserData{capi.KeyEm: {sha("a@example.com")}})
			r.RowRead("a.csv")
			r.Built(e)
			if err := r.Outcome(capi.Outcome{Event: e, Status: capi.StatusSent}); err != nil {
				t.Fatal(err)
			}
			s, err := r.Close()
			if err != nil {
				t.Fatal(err)
			}
			var texts []string
			for _, a := range s.Advice {
				texts = append(texts, a.Text)
			}
			if got := strings.Join(texts, "\n"); !strings.Contains(got, tt.want) {
				t.Errorf("advice with mapped keys %v = %q, want it to contain %q", tt.mapped, got, tt.want)
			}
		})
	}
}

// TestAdviceNamesDefaultCountry: national phone numbers refused for want
// of a country say which config key fixes them.
func TestAdviceNamesDefaultCountry(t *testing.T) {
	for _, tc := range []struct {
		country string
		want    bool
	}{{"", true}, {"US", false}} {
		s := &Summary{DefaultCountry: tc.country, Outcomes: Outcomes{Sent: 10}, Coverage: map[string]KeyCoverage{
			"ph": {Events: 2, Invalid: 8, InvalidBy: map[string]int{"bad_phone": 8}},
		}}
		got := false
		for _, a := range advise(s) {
			if a.Code == "invalid_ph" && strings.Contains(a.Text, "default_country") {
				got = true
			}
		}
		if got != tc.want {
			t.Errorf("default_country %q: advice names default_country %v, want %v", tc.country, got, tc.want)
		}
	}
}
