package mapping

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	testFBCLID = "IwAR2ef8hvZp1uV_L-WfkRnEuu81HzY9vlGLKBL5zO82i5_snIcSW1g9xEnLY"
	testSHA    = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"
)

func TestNormalizeUnhashed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key, in, want, code string
	}{
		{"ipv4", "client_ip_address", " 203.0.113.7 ", "203.0.113.7", ""},
		{"ipv6 canonical", "client_ip_address", "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1", ""},
		{"ipv6 mapped ipv4", "client_ip_address", "::ffff:203.0.113.7", "::ffff:203.0.113.7", ""},
		{"ip with port", "client_ip_address", "203.0.113.7:443", "", "not_an_ip"},
		{"ip leading zeros", "client_ip_address", "203.000.113.007", "", "not_an_ip"},
		{"ip zone", "client_ip_address", "fe80::1%eth0", "", "not_an_ip"},
		{"ip loopback", "client_ip_address", "127.0.0.1", "", "placeholder"},
		{"ip unspecified", "client_ip_address", "0.0.0.0", "", "placeholder"},
		{"ip hashed", "client_ip_address", testSHA, "", "hashed"},
		{"ip words", "client_ip_address", "unknown", "", "not_an_ip"},

		{"ua trimmed", "client_user_agent", "  Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)  ", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", ""},
		{"ua hashed", "client_user_agent", strings.ToUpper(testSHA), "", "hashed"},
		{"ua placeholder", "client_user_agent", "N/A", "", "placeholder"},
		{"ua control", "client_user_agent", "Mozilla\n5.0", "", "control_character"},
		{"ua not utf8", "client_user_agent", "Mozilla\xff", "", "not_utf8"},

		{"fbc kept as written", "fbc", " fb.1.1554763741205." + testFBCLID + " ", "fb.1.1554763741205." + testFBCLID, ""},
		{"fbc with appendix", "fbc", "fb.1.1554763741205." + testFBCLID + ".AQQCAQIB", "fb.1.1554763741205." + testFBCLID + ".AQQCAQIB", ""},
		{"fbc upper-case prefix", "fbc", "FB.1.1554763741205." + testFBCLID, "", "not_fb_cookie"},
		{"fbc seconds", "fbc", "fb.1.1554763741." + testFBCLID, "", "not_fb_cookie"},
		{"fbc no id", "fbc", "fb.1.1554763741205.", "", "not_fb_cookie"},
		{"fbc bare", "fbc", testFBCLID, "", "bare_fbclid"},
		{"fbc url", "fbc", "https://shop.example/landing?utm_source=fb&fbclid=" + testFBCLID + "#top", "", "bare_fbclid"},
		{"fbc hashed", "fbc", testSHA, "", "hashed"},
		{"fbc space inside", "fbc", "fb.1.1554763741205.Iw AR", "", "not_fb_cookie"},

		{"fbp", "fbp", "fb.1.1596403881668.1116446470", "fb.1.1596403881668.1116446470", ""},
		{"fbp subdomain 2", "fbp", "fb.2.1596403881668.1116446470", "fb.2.1596403881668.1116446470", ""},
		{"fbp appendix", "fbp", "fb.1.1596403881668.1116446470.AQQCAQIB", "fb.1.1596403881668.1116446470.AQQCAQIB", ""},
		{"fbp letters", "fbp", "fb.1.1596403881668.abc", "", "not_fb_cookie"},
		{"fbp ga cookie", "fbp", "GA1.2.1116446470.1596403881", "", "not_fb_cookie"},
		{"fbp hashed", "fbp", testSHA, "", "hashed"},

		{"lead id 15", "lead_id", "123456789012345", "123456789012345", ""},
		{"lead id 17", "lead_id", "12345678901234567", "12345678901234567", ""},
		{"lead id prefix", "lead_id", "l:1234567890123456", "1234567890123456", ""},
		{"lead id prefix upper spaced", "lead_id", " L: 1234567890123456 ", "1234567890123456", ""},
		{"lead id excel float", "lead_id", "1.23457E+15", "", "not_a_lead_id"},
		{"lead id short", "lead_id", "12345678901234", "", "not_a_lead_id"},
		{"lead id long", "lead_id", "123456789012345678", "", "not_a_lead_id"},
		{"lead id leading zero", "lead_id", "0123456789012345", "", "not_a_lead_id"},
		{"lead id hashed", "lead_id", testSHA, "", "hashed"},

		{"subscription id", "subscription_id", " 000123 ", "000123", ""},
		{"subscription id letters", "subscription_id", "sub_123", "", "not_digits"},
		{"subscription id hashed", "subscription_id", strings.Repeat("1", 64), "", "hashed"},
		{"login id", "fb_login_id", "10158523480105678", "10158523480105678", ""},
		{"login id too long", "fb_login_id", strings.Repeat("9", 21), "", "not_digits"},

		{"madid lower-cased", "madid", "6D92078A-8246-4BA4-AE5B-76104861E7DC", "6d92078a-8246-4ba4-ae5b-76104861e7dc", ""},
		{"madid zero", "madid", "00000000-0000-0000-0000-000000000000", "", "placeholder"},
		{"madid no dashes", "madid", "6D92078A82464BA4AE5B76104861E7DC", "", "not_a_uuid"},
		{"madid hashed", "madid", testSHA, "", "hashed"},

		{"unknown key", "anon_id", "x", "", "unknown_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := NormalizeUnhashed(tt.key, tt.in)
			if code := valueCode(err); err != nil && code != tt.code || err == nil && tt.code != "" || got != tt.want {
				t.Errorf("NormalizeUnhashed(%q, %q) = %q, %v; want %q, code %q", tt.key, tt.in, got, err, tt.want, tt.code)
			}
			// NormalizeUserValue sends the same, never hashed.
			if uv, err := NormalizeUserValue(tt.key, tt.in, NormalizeOptions{}); uv != tt.want || (err == nil) != (tt.code == "") {
				t.Errorf("NormalizeUserValue(%q, %q) = %q, %v; want %q", tt.key, tt.in, uv, err, tt.want)
			}
		})
	}
}

func TestExtractFBCLID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{testFBCLID, testFBCLID, true},
		{"https://shop.example/p?fbclid=" + testFBCLID, testFBCLID, true},
		{"https://shop.example/p?a=1&fbclid=" + testFBCLID + "&b=2", testFBCLID, true},
		{"fbclid=" + testFBCLID, testFBCLID, true},
		{"https://shop.example/p?xfbclid=" + testFBCLID, "", false},
		{"fb.1.1554763741205." + testFBCLID, "", false},
		{"not an id", "", false},
		{testSHA, "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ExtractFBCLID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ExtractFBCLID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBuildFBC(t *testing.T) {
	t.Parallel()
	click := time.Date(2019, 4, 8, 22, 49, 1, 205e6, time.UTC)
	got := BuildFBC(testFBCLID, click)
	if want := "fb.1.1554763741205." + testFBCLID; got != want {
		t.Fatalf("BuildFBC = %q, want %q", got, want)
	}
	if n, err := NormalizeFBC(got); err != nil || n != got {
		t.Fatalf("NormalizeFBC(BuildFBC(…)) = %q, %v; want it unchanged", n, err)
	}
}

// unhashedAlphabet is the documented output of each unhashed key.
var unhashedAlphabet = map[string]func(string) bool{
	"client_ip_address": func(s string) bool {
		a, err := netip.ParseAddr(s)
		return err == nil && a.String() == s && !a.IsLoopback() && !a.IsUnspecified()
	},
	"client_user_agent": func(s string) bool {
		return s != "" && s == strings.TrimSpace(s) && utf8.ValidString(s) && !IsSHA256Hex(s)
	},
	"fbc": func(s string) bool { _, ok := fbCookieRest(s); return ok && !strings.ContainsAny(s, " \t") },
	"fbp": func(s string) bool { _, ok := fbCookieRest(s); return ok && !strings.ContainsAny(s, " \t") },
	"lead_id": func(s string) bool {
		return len(s) >= 15 && len(s) <= 17 && digitsOnly(s) && s[0] != '0'
	},
	"subscription_id": func(s string) bool { return digitsOnly(s) && len(s) <= 20 && !IsSHA256Hex(s) },
	"fb_login_id":     func(s string) bool { return digitsOnly(s) && len(s) <= 20 && !IsSHA256Hex(s) },
	"madid": func(s string) bool {
		return len(s) == 36 && s == strings.ToLower(s) && strings.Count(s, "-") == 4
	},
}

// FuzzNormalizeUnhashed: no panic, idempotent, output in its alphabet,
// never a hash, and the same answer through NormalizeUserValue.
func FuzzNormalizeUnhashed(f *testing.F) {
	seedAll(f, "203.0.113.7", "2001:0DB8::0001", "fb.1.1554763741205."+testFBCLID, "fb.1.1596403881668.1116446470",
		"l:1234567890123456", "6D92078A-8246-4BA4-AE5B-76104861E7DC", "Mozilla/5.0 (X11; Linux x86_64)",
		"https://shop.example/?fbclid="+testFBCLID, testSHA)
	f.Fuzz(func(t *testing.T, s string) {
		for _, key := range UnhashedKeys {
			n := func(v string) (string, error) { return NormalizeUnhashed(key, v) }
			checkIdem(t, "NormalizeUnhashed("+key+")", n, s, unhashedAlphabet[key])
			out, err := NormalizeUnhashed(key, s)
			if err == nil && IsSHA256Hex(out) {
				t.Fatalf("NormalizeUnhashed(%q, %q) = %q: a hash", key, s, out)
			}
			uv, uerr := NormalizeUserValue(key, s, NormalizeOptions{})
			if uv != out || (uerr == nil) != (err == nil) {
				t.Fatalf("NormalizeUserValue(%q, %q) = %q, %v; NormalizeUnhashed says %q, %v", key, s, uv, uerr, out, err)
			}
		}
		if id, ok := ExtractFBCLID(s); ok {
			c := BuildFBC(id, time.UnixMilli(1554763741205))
			if got, err := NormalizeFBC(c); err != nil || got != c {
				t.Fatalf("NormalizeFBC(BuildFBC(%q)) = %q, %v", id, got, err)
			}
		}
	})
}

func ExampleNormalizeLeadID() {
	id, err := NormalizeLeadID("l:1234567890123456")
	fmt.Println(id, err)
	_, err = NormalizeLeadID("1.23457E+15") // Excel rounded it
	fmt.Println(err)
	// Output:
	// 1234567890123456 <nil>
	// lead_id: not_a_lead_id
}

func ExampleBuildFBC() {
	click := time.Date(2026, 11, 24, 9, 30, 0, 0, time.UTC)
	fmt.Println(BuildFBC("IwAR2ef8hvZp1uV_L", click))
	// Output: fb.1.1795512600000.IwAR2ef8hvZp1uV_L
}
