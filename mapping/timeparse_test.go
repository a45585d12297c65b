package mapping

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	chicago, err := time.LoadLocation("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	cst := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, chicago)
	}
	tests := []struct {
		name   string
		in     string
		format string
		want   time.Time
		err    bool
	}{
		{"layout in loc", "11/23/2024 17:45", "01/02/2006 15:04", cst(2024, 11, 23, 17, 45, 0), false},
		{"layout with zone wins", "2024-11-23 17:45 +0100", "2006-01-02 15:04 -0700", utc(2024, 11, 23, 16, 45, 0), false},
		{"layout mismatch", "23/11/2024", "01/02/2006", time.Time{}, true},
		{"unix", "1732383931", "unix", utc(2024, 11, 23, 17, 45, 31), false},
		{"unix fraction", "1732383931.5", "unix", time.Unix(1732383931, 5e8), false},
		{"unix garbage", "17323e9", "unix", time.Time{}, true},
		{"unix inf", "Inf", "unix", time.Time{}, true},
		{"unix_ms", "1732383931000", "unix_ms", utc(2024, 11, 23, 17, 45, 31), false},
		{"excel date", "45619", "excel", cst(2024, 11, 23, 0, 0, 0), false},
		{"excel time of day", "45619.739942129629", "excel", cst(2024, 11, 23, 17, 45, 31), false},
		{"excel negative", "-1", "excel", time.Time{}, true},
		{"excel too big", "2958466", "excel", time.Time{}, true},
		{"rfc3339", "2024-11-23T17:45:31-06:00", "rfc3339", cst(2024, 11, 23, 17, 45, 31), false},
		{"rfc3339 no zone", "2024-11-23T17:45:31", "rfc3339", time.Time{}, true},
		{"empty", "  ", "auto", time.Time{}, true},
		{"auto rfc3339", "2024-11-23T17:45:31Z", "auto", utc(2024, 11, 23, 17, 45, 31), false},
		{"auto fraction", "2024-11-23T17:45:31.250Z", "auto", time.Date(2024, 11, 23, 17, 45, 31, 25e7, time.UTC), false},
		{"auto iso space", "2024-11-23 17:45:31", "auto", cst(2024, 11, 23, 17, 45, 31), false},
		{"auto iso T no seconds", "2024-11-23T17:45", "auto", cst(2024, 11, 23, 17, 45, 0), false},
		{"auto offset no colon", "2024-11-23T17:45:31+0100", "auto", utc(2024, 11, 23, 16, 45, 31), false},
		{"auto date", "2024-11-23", "auto", cst(2024, 11, 23, 0, 0, 0), false},
		{"auto slash ymd", "2024/11/23 17:45", "auto", cst(2024, 11, 23, 17, 45, 0), false},
		{"auto US", "11/23/2024 17:45:31", "auto", cst(2024, 11, 23, 17, 45, 31), false},
		{"auto US short", "1/2/2024 3:04 PM", "auto", cst(2024, 1, 2, 15, 4, 0), false},
		{"auto US ambiguous is month first", "01/02/2024", "auto", cst(2024, 1, 2, 0, 0, 0), false},
		{"auto day first when > 12", "23/11/2024 17:45", "auto", cst(2024, 11, 23, 17, 45, 0), false},
		{"auto dots day first", "02.01.2024 08:30", "auto", cst(2024, 1, 2, 8, 30, 0), false},
		{"auto yyyymmdd", "20241123", "auto", cst(2024, 11, 23, 0, 0, 0), false},
		{"auto excel", "45619.5", "auto", cst(2024, 11, 23, 12, 0, 0), false},
		{"auto unix", "1732383931", "auto", utc(2024, 11, 23, 17, 45, 31), false},
		{"auto unix ms", "1732383931000", "auto", utc(2024, 11, 23, 17, 45, 31), false},
		{"auto too big", "1732383931000000", "auto", time.Time{}, true},
		{"auto words", "yesterday", "auto", time.Time{}, true},
		{"auto month 13", "13/13/2024", "auto", time.Time{}, true},
		{"default is auto", "2024-11-23", "", cst(2024, 11, 23, 0, 0, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseTime(tt.in, tt.format, chicago)
			if tt.err {
				if err == nil || !errors.Is(err, ErrBadTime) {
					t.Errorf("ParseTime(%q, %q) = %v, %v; want an ErrBadTime", tt.in, tt.format, got, err)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) {
				t.Errorf("ParseTime(%q, %q) = %v, %v; want %v", tt.in, tt.format, got, err, tt.want)
			}
		})
	}
}

func TestParseTimeDST(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	// 2024-03-10 is the spring-forward day; an Excel serial for 15:00 that
	// day must read as 15:00 EDT, not 14:00 or 16:00.
	got, err := ParseTime("45361.625", FormatExcel, ny)
	want := time.Date(2024, 3, 10, 15, 0, 0, 0, ny)
	if err != nil || !got.Equal(want) {
		t.Errorf("ParseTime(excel DST) = %v, %v; want %v", got, err, want)
	}
}

func TestCheckFormat(t *testing.T) {
	tests := []struct {
		format string
		ok     bool
	}{
		{"auto", true}, {"unix", true}, {"unix_ms", true}, {"excel", true}, {"rfc3339", true},
		{"2006-01-02", true}, {"01/02/2006 15:04", true}, {"1/2/2006 3:04 PM", true}, {"02.01.2006", true},
		{"YYYY-MM-DD", false}, {"%Y-%m-%d", false}, {"15:04", false}, {"2006-01-02 3:04", false}, {"", false}, {"Jan 2006", false},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			if err := checkFormat(tt.format); (err == nil) != tt.ok {
				t.Errorf("checkFormat(%q) = %v, want ok %v", tt.format, err, tt.ok)
			}
		})
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-11-23T17:45:31Z", "11/23/2024 17:45", "1/2/2024 3:04 PM", "45619.75", "1732383931", "1732383931000", "20241123", "23.11.2024", "-0", "9999-12-31T23:59:59Z"} {
		for _, format := range []string{"auto", "unix", "unix_ms", "excel", "rfc3339", "01/02/2006 15:04"} {
			f.Add(s, format)
		}
	}
	chicago, _ := time.LoadLocation("America/Chicago")
	f.Fuzz(func(t *testing.T, s, format string) {
		got, err := ParseTime(s, format, chicago)
		if err != nil {
			if !errors.Is(err, ErrBadTime) {
				t.Fatalf("ParseTime(%q, %q) error %v does not wrap ErrBadTime", s, format, err)
			}
			return
		}
		// Whatever was read must round-trip through RFC 3339 and auto.
		text := got.Format(time.RFC3339Nano)
		back, err := ParseTime(text, FormatAuto, time.UTC)
		if err != nil || !back.Equal(got) {
			t.Fatalf("ParseTime(%q, %q) = %v; reparsing %q with auto = %v, %v", s, format, got, text, back, err)
		}
	})
}

func BenchmarkParseTime(b *testing.B) {
	chicago, _ := time.LoadLocation("America/Chicago")
	for _, bc := range []struct{ in, format string }{
		{"11/23/2024 17:45", "01/02/2006 15:04"},
		{"2024-11-23T17:45:31-06:00", "auto"},
		{"11/23/2024 5:45 PM", "auto"},
		{"45619.739942129629", "excel"},
		{"1732383931", "unix"},
	} {
		b.Run(bc.format+"/"+bc.in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseTime(bc.in, bc.format, chicago); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func ExampleParseTime() {
	chicago, _ := time.LoadLocation("America/Chicago")
	for _, in := range []struct{ s, format string }{
		{"11/23/2024 17:45", "01/02/2006 15:04"},
		{"45619.75", "excel"},
		{"23/11/2024 17:45", "auto"},
		{"1732383931", "unix"},
	} {
		t, err := ParseTime(in.s, in.format, chicago)
		fmt.Println(t.UTC().Format(time.RFC3339), err)
	}
	// Output:
	// 2024-11-23T23:45:00Z <nil>
	// 2024-11-24T00:00:00Z <nil>
	// 2024-11-23T23:45:00Z <nil>
	// 2024-11-23T17:45:31Z <nil>
}
