package capi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestAppendString(t *testing.T) {
	hex := strings.Repeat("0123456789abcdef", 4)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", `""`},
		{"hash", hex, `"` + hex + `"`},
		{"short", "abc", `"abc"`},
		{"short with a quote", `a"b`, `"a\"b"`},
		{"short with an accent", "é", `"é"`},
		{"short of one", `"`, `"\""`},
		{"short, quote at its end", `ab"`, `"ab\""`},
		{"four to seven, plain", "value", `"value"`},
		{"four to seven, quote in the second half", `value"`, `"value\""`},
		{"four to seven, newline at the start", "\nabcd", `"\nabcd"`},
		{"four to seven, accent at the end", "valé", `"valé"`},
		{"plain tail of seven", "abcdefghijklmno", `"abcdefghijklmno"`},
		{"quote in the last of a tail", `abcdefghijklmn"`, `"abcdefghijklmn\""`},
		{"quote in a word", `abcdefg"` + hex, `"abcdefg\"` + hex + `"`},
		{"backslash in the tail", hex + `a\b`, `"` + hex + `a\\b"`},
		{"newline at the start", "\nabcdefghijk", `"\nabcdefghijk"`},
		{"control byte", "abcdefgh\x01", `"abcdefgh\u0001"`},
		{"DEL is plain", "abcdefgh\x7f", "\"abcdefgh\x7f\""},
		{"space and tilde", " ~ ~ ~ ~ ~", `" ~ ~ ~ ~ ~"`},
		{"accent after a word", "abcdefghé", `"abcdefghé"`},
		{"invalid byte", "abcdefgh\xff", `"abcdefgh\ufffd"`},
		{"line separator", "abcdefgh\u2028", `"abcdefgh\u2028"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendString(nil, tt.in)); got != tt.want {
				t.Errorf("appendString(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzAppendString checks that every string comes out as valid JSON that
// decodes to the string itself (invalid UTF-8 byte by byte to U+FFFD),
// whichever of the word and byte paths handled it.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "abcdefgh", strings.Repeat("a", 64), "a\"b", "\x00\x1f\x20", "é\xff\u2029", "0123456\\"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := appendString([]byte("x"), s)[1:]
		if !json.Valid(out) {
			t.Fatalf("appendString(%q) = %s: not valid JSON", s, out)
		}
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatal(err)
		}
		if want := perByteValid(s); back != want {
			t.Fatalf("appendString(%q) decodes to %q, want %q", s, back, want)
		}
	})
}

// perByteValid replaces each byte of s that is not part of valid UTF-8
// with U+FFFD, as encoding/json does.
func perByteValid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.WriteRune(r)
		i += n
	}
	return b.String()
}

func BenchmarkAppendString(b *testing.B) {
	for _, bm := range []struct{ name, s string }{
		{"hash", "0d2ae9d69e0ab6c3de4e4c4c8f3e0e8cb6fd1ac2a2dfc7a9e8f39e3d1b6c0a51"}, // a SHA-256 in hex
		{"name", "Ana María van der Berg"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			buf := make([]byte, 0, 128)
			b.SetBytes(int64(len(bm.s)))
			b.ReportAllocs()
			for b.Loop() {
				buf = appendString(buf[:0], bm.s)
			}
		})
	}
}

// user_data keys go out in UserKeys order; a key with no values is left
// out.
func TestAppendJSONUserKeyOrder(t *testing.T) {
	tests := []struct {
		name string
		ud   UserData
		want string
	}{
		{"in UserKeys order", UserData{KeyPh: {"p"}, KeyEm: {"e"}, KeyExternalID: {"x"}}, `{"em":"e","ph":"p","external_id":"x"}`},
		{"empty key left out", UserData{KeyEm: {}, KeyGe: {"g"}}, `{"ge":"g"}`},
		{"none", UserData{}, `{}`},
		{"several values", UserData{KeyEm: {"a", "b"}}, `{"em":["a","b"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := Event{EventName: "Lead", EventTime: 1, ActionSource: "other", UserData: tt.ud}
			want := `{"event_name":"Lead","event_time":1,"action_source":"other","user_data":` + tt.want + `}`
			if got := string(ev.AppendJSON(nil)); got != want {
				t.Errorf("AppendJSON\n got %s\nwant %s", got, want)
			}
		})
	}
}

// BenchmarkAppendJSON encodes an event shaped like bench/gen's rows: eight
// hashed customer keys, value, currency and order_id.
func BenchmarkAppendJSON(b *testing.B) {
	var ud UserData
	for i, k := range []string{"em", "ph", "fn", "ln", "ct", "st", "zp", "country"} {
		ud[i] = []string{sha256Hex(k)}
	}
	// Custom data in key order, as Map builds it.
	ev := Event{EventName: "Purchase", EventTime: 1795000000, ActionSource: "physical_store", EventID: "R10000001",
		UserData: ud, CustomData: CustomData{{"currency", "USD"}, {"order_id", "R10000001"}, {"value", 92.86}}}
	buf := make([]byte, 0, 2048)
	b.ReportAllocs()
	for b.Loop() {
		buf = ev.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

func TestUserKeyIndex(t *testing.T) {
	if len(UserKeys) != NumUserKeys {
		t.Fatalf("%d UserKeys, NumUserKeys %d", len(UserKeys), NumUserKeys)
	}
	for i, k := range UserKeys {
		if got := UserKeyIndex(k); got != i || UserKeys[i] != k {
			t.Errorf("UserKeyIndex(%q) = %d, want %d (UserKeys has %q)", k, got, i, UserKeys[i])
		}
	}
	for _, k := range []string{"", "EM", "anon_id", "e"} {
		if got := UserKeyIndex(k); got != -1 {
			t.Errorf("UserKeyIndex(%q) = %d, want -1", k, got)
		}
	}
	ud := UserData{KeyZp: {"z"}, KeyEm: {}}
	if got := ud.Get("zp"); len(got) != 1 || got[0] != "z" {
		t.Errorf("Get(zp) = %q", got)
	}
	if got := ud.Get("nope"); got != nil {
		t.Errorf("Get(nope) = %q, want nil", got)
	}
	if n := ud.Len(); n != 1 {
		t.Errorf("Len = %d, want 1 (an empty key does not count)", n)
	}
}

func TestAppendLedgerKeys(t *testing.T) {
	evs := []Event{{EventName: "Purchase", EventID: "R1"}, {EventName: "Lead", EventID: ""}, {EventName: "Purchase", EventID: "R-2"}}
	got := AppendLedgerKeys([]string{"keep"}, "123", evs)
	want := []string{"keep"}
	for i := range evs {
		want = append(want, evs[i].LedgerKey("123"))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AppendLedgerKeys (-want +got):\n%s", diff)
	}
}

// FuzzAppendFloat: the fast path for amounts writes what strconv writes,
// for any double and for any amount in cents.
func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0, math.Copysign(0, -1), 92.86, 0.05, 0.5, 1, -12.3, 99999999999.99, 1e11, 1e11 + 0.01, 0.1 + 0.2, 1e-7, 123456789.015, math.MaxFloat64} {
		f.Add(v, int64(v*100))
	}
	f.Fuzz(func(t *testing.T, v float64, cents int64) {
		for _, x := range []float64{v, float64(cents) / 100} {
			if math.IsInf(x, 0) || math.IsNaN(x) {
				continue
			}
			want := strconv.AppendFloat(nil, x, 'f', -1, 64)
			if got := appendFloat(nil, x); string(got) != string(want) {
				t.Fatalf("appendFloat(%v) = %s, want %s", x, got, want)
			}
		}
	})
}

func BenchmarkAppendFloat(b *testing.B) {
	for _, v := range []float64{92.86, 1234.5, 1.0 / 3} {
		b.Run(strconv.FormatFloat(v, 'g', 6, 64), func(b *testing.B) {
			buf := make([]byte, 0, 32)
			b.ReportAllocs()
			for b.Loop() {
				buf = appendFloat(buf[:0], v)
			}
		})
	}
}

func TestAppendUnixTime(t *testing.T) {
	for _, v := range []int64{0, -1, 7, 999_999_999, 1_000_000_000, 1_795_655_403, 9_999_999_999, 10_000_000_000, math.MinInt64, math.MaxInt64} {
		if got, want := string(appendUnixTime([]byte("x"), v)), "x"+strconv.FormatInt(v, 10); got != want {
			t.Errorf("appendUnixTime(%d) = %q, want %q", v, got, want)
		}
	}
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
