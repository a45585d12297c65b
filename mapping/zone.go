package mapping

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// LoadZone reads a time zone as exports write it in a column of their
// own: an IANA name ("America/Chicago"), a UTC offset ("-05:00", "-0500",
// "UTC-5", "GMT+01:00"), a Windows name ("Pacific Standard Time"), a
// Rails/ActiveSupport name as Square and Shopify write ("Pacific Time (US
// & Canada)"), or a North American abbreviation ("EST", "PDT"). Names are
// matched without regard to case. Zones are cached: a column holds a
// handful of distinct values.
func LoadZone(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("empty time zone")
	}
	if loc, ok := zoneCache.Load(s); ok {
		return loc.(*time.Location), nil
	}
	loc, err := loadZone(s)
	if err != nil {
		return nil, err
	}
	zoneCache.Store(s, loc)
	return loc, nil
}

var zoneCache sync.Map // string → *time.Location

func loadZone(s string) (*time.Location, error) {
	// Rails' labels carry the standard offset before the name:
	// "(GMT-08:00) Pacific Time (US & Canada)". The name knows about
	// daylight saving time; the offset does not.
	if strings.HasPrefix(s, "(GMT") || strings.HasPrefix(s, "(UTC") {
		if _, name, ok := strings.Cut(s, ") "); ok {
			s = strings.TrimSpace(name)
		}
	}
	if off, ok := parseUTCOffset(s); ok {
		if off == 0 {
			return time.UTC, nil
		}
		return time.FixedZone(formatOffset(off), off), nil
	}
	if name, ok := zoneNames[strings.ToLower(s)]; ok {
		return time.LoadLocation(name)
	}
	if strings.Contains(s, "/") || strings.EqualFold(s, "UTC") {
		if loc, err := time.LoadLocation(s); err == nil && !strings.EqualFold(s, "local") {
			return loc, nil
		}
	}
	return nil, fmt.Errorf("not a time zone capi-upload knows (an IANA name, a UTC offset, or a Windows or Rails name)")
}

// parseUTCOffset reads "+05:30", "-0500", "-5", "UTC-5", "GMT+01:00",
// "UTC", "GMT", "Z" as seconds east of UTC. A Rails label such as
// "(GMT-08:00) Pacific Time (US & Canada)" is read by its name instead.
func parseUTCOffset(s string) (int, bool) {
	u := strings.ToUpper(strings.TrimSpace(s))
	for _, p := range []string{"UTC", "GMT"} {
		if rest, ok := strings.CutPrefix(u, p); ok {
			if rest == "" {
				return 0, true
			}
			u = rest
			break
		}
	}
	if u == "Z" {
		return 0, true
	}
	if len(u) < 2 || (u[0] != '+' && u[0] != '-') {
		return 0, false
	}
	sign := 1
	if u[0] == '-' {
		sign = -1
	}
	h, m := u[1:], ""
	if hh, mm, ok := strings.Cut(h, ":"); ok {
		h, m = hh, mm
	} else if len(h) == 4 {
		h, m = h[:2], h[2:]
	}
	hours, err := strconv.Atoi(h)
	if err != nil || len(h) > 2 || hours > 14 {
		return 0, false
	}
	mins := 0
	if m != "" {
		if mins, err = strconv.Atoi(m); err != nil || len(m) != 2 || mins > 59 {
			return 0, false
		}
	}
	return sign * (hours*3600 + mins*60), true
}

func formatOffset(off int) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("UTC%c%02d:%02d", sign, off/3600, off%3600/60)
}

// zoneNames maps the Windows and Rails (ActiveSupport::TimeZone) names
// that exports write to IANA names, lower-cased. The Rails list is
// ActiveSupport's MAPPING; the Windows list is CLDR's windowsZones for the
// regions our users sell in.
var zoneNames = func() map[string]string {
	m := map[string]string{}
	add := func(iana string, names ...string) {
		for _, n := range names {
			m[strings.ToLower(n)] = iana
		}
	}
	// North America.
	add("America/Los_Angeles", "Pacific Time (US & Canada)", "Pacific Standard Time", "Pacific Time", "PST", "PDT", "PT")
	add("America/Denver", "Mountain Time (US & Canada)", "Mountain Standard Time", "Mountain Time", "MST", "MDT", "MT")
	add("America/Phoenix", "Arizona", "US Mountain Standard Time")
	add("America/Chicago", "Central Time (US & Canada)", "Central Standard Time", "Central Time", "CST", "CDT", "CT")
	add("America/New_York", "Eastern Time (US & Canada)", "Eastern Standard Time", "Eastern Time", "EST", "EDT", "ET")
	add("America/Indiana/Indianapolis", "Indiana (East)", "US Eastern Standard Time")
	add("America/Anchorage", "Alaskan Standard Time", "AKST", "AKDT")
	add("America/Juneau", "Alaska")
	add("Pacific/Honolulu", "Hawaii", "Hawaiian Standard Time", "HST")
	add("America/Halifax", "Atlantic Time (Canada)", "Atlantic Standard Time")
	add("America/St_Johns", "Newfoundland", "Newfoundland Standard Time")
	add("America/Regina", "Saskatchewan", "Canada Central Standard Time")
	add("America/Tijuana", "Tijuana", "Pacific Standard Time (Mexico)")
	add("America/Mexico_City", "Mexico City", "Guadalajara", "Central Standard Time (Mexico)")
	add("America/Monterrey", "Monterrey")
	add("America/Chihuahua", "Chihuahua")
	add("America/Mazatlan", "Mazatlan")
	add("America/Guatemala", "Central America", "Central America Standard Time")
	add("America/Puerto_Rico", "Puerto Rico", "SA Western Standard Time")
	// South America.
	add("America/Bogota", "Bogota", "SA Pacific Standard Time")
	add("America/Lima", "Lima", "Quito")
	add("America/Caracas", "Caracas", "Venezuela Standard Time")
	add("America/La_Paz", "La Paz")
	add("America/Santiago", "Santiago", "Pacific SA Standard Time")
	add("America/Sao_Paulo", "Brasilia", "E. South America Standard Time")
	add("America/Argentina/Buenos_Aires", "Buenos Aires", "Argentina Standard Time")
	add("America/Montevideo", "Montevideo", "Montevideo Standard Time")
	// Europe and Africa.
	add("Atlantic/Azores", "Azores", "Azores Standard Time")
	add("Atlantic/Cape_Verde", "Cape Verde Is.", "Cape Verde Standard Time")
	add("Europe/Dublin", "Dublin")
	add("Europe/London", "London", "Edinburgh", "GMT Standard Time", "BST")
	add("Europe/Lisbon", "Lisbon")
	add("Atlantic/Reykjavik", "Greenwich Standard Time")
	add("Africa/Casablanca", "Casablanca", "Morocco Standard Time")
	add("Africa/Monrovia", "Monrovia")
	add("Europe/Berlin", "Berlin", "W. Europe Standard Time", "CET", "CEST", "MEZ", "MESZ")
	add("Europe/Zurich", "Bern", "Zurich")
	add("Europe/Rome", "Rome")
	add("Europe/Stockholm", "Stockholm")
	add("Europe/Vienna", "Vienna")
	add("Europe/Amsterdam", "Amsterdam")
	add("Europe/Brussels", "Brussels")
	add("Europe/Copenhagen", "Copenhagen")
	add("Europe/Madrid", "Madrid")
	add("Europe/Paris", "Paris", "Romance Standard Time")
	add("Europe/Belgrade", "Belgrade")
	add("Europe/Bratislava", "Bratislava")
	add("Europe/Budapest", "Budapest", "Central Europe Standard Time")
	add("Europe/Ljubljana", "Ljubljana")
	add("Europe/Prague", "Prague")
	add("Europe/Sarajevo", "Sarajevo")
	add("Europe/Skopje", "Skopje")
	add("Europe/Warsaw", "Warsaw", "Central European Standard Time")
	add("Europe/Zagreb", "Zagreb")
	add("Africa/Algiers", "West Central Africa", "W. Central Africa Standard Time")
	add("Europe/Bucharest", "Bucharest", "GTB Standard Time")
	add("Europe/Athens", "Athens")
	add("Africa/Cairo", "Cairo", "Egypt Standard Time")
	add("Europe/Helsinki", "Helsinki", "EET", "EEST")
	add("Europe/Kiev", "Kyiv", "Kiev", "FLE Standard Time")
	add("Europe/Riga", "Riga")
	add("Europe/Sofia", "Sofia")
	add("Europe/Tallinn", "Tallinn")
	add("Europe/Vilnius", "Vilnius")
	add("Europe/Istanbul", "Istanbul", "Turkey Standard Time")
	add("Europe/Minsk", "Minsk")
	add("Asia/Jerusalem", "Jerusalem", "Israel Standard Time")
	add("Africa/Harare", "Harare")
	add("Africa/Johannesburg", "Pretoria", "South Africa Standard Time")
	add("Africa/Nairobi", "Nairobi", "E. Africa Standard Time")
	add("Europe/Kaliningrad", "Kaliningrad")
	add("Europe/Moscow", "Moscow", "St. Petersburg", "Russian Standard Time")
	add("Europe/Volgograd", "Volgograd")
	add("Europe/Samara", "Samara")
	// Asia and the Pacific.
	add("Asia/Kuwait", "Kuwait")
	add("Asia/Riyadh", "Riyadh", "Arab Standard Time")
	add("Asia/Baghdad", "Baghdad")
	add("Asia/Tehran", "Tehran", "Iran Standard Time")
	add("Asia/Dubai", "Arabian Standard Time")
	add("Asia/Muscat", "Abu Dhabi", "Muscat")
	add("Asia/Baku", "Baku")
	add("Asia/Tbilisi", "Tbilisi")
	add("Asia/Yerevan", "Yerevan")
	add("Asia/Kabul", "Kabul")
	add("Asia/Yekaterinburg", "Ekaterinburg")
	add("Asia/Karachi", "Islamabad", "Karachi", "Pakistan Standard Time")
	add("Asia/Tashkent", "Tashkent")
	add("Asia/Kolkata", "Chennai", "Kolkata", "Mumbai", "New Delhi", "India Standard Time", "IST")
	add("Asia/Kathmandu", "Kathmandu")
	add("Asia/Dhaka", "Astana", "Dhaka", "Bangladesh Standard Time")
	add("Asia/Colombo", "Sri Jayawardenepura")
	add("Asia/Almaty", "Almaty")
	add("Asia/Novosibirsk", "Novosibirsk")
	add("Asia/Yangon", "Rangoon")
	add("Asia/Bangkok", "Bangkok", "Hanoi", "SE Asia Standard Time")
	add("Asia/Jakarta", "Jakarta")
	add("Asia/Krasnoyarsk", "Krasnoyarsk")
	add("Asia/Shanghai", "Beijing", "China Standard Time")
	add("Asia/Chongqing", "Chongqing")
	add("Asia/Hong_Kong", "Hong Kong")
	add("Asia/Urumqi", "Urumqi")
	add("Asia/Kuala_Lumpur", "Kuala Lumpur")
	add("Asia/Singapore", "Singapore", "Singapore Standard Time")
	add("Asia/Taipei", "Taipei", "Taipei Standard Time")
	add("Australia/Perth", "Perth", "W. Australia Standard Time")
	add("Asia/Irkutsk", "Irkutsk")
	add("Asia/Ulaanbaatar", "Ulaanbaatar")
	add("Asia/Seoul", "Seoul", "Korea Standard Time", "KST")
	add("Asia/Tokyo", "Osaka", "Sapporo", "Tokyo", "Tokyo Standard Time", "JST")
	add("Asia/Yakutsk", "Yakutsk")
	add("Australia/Darwin", "Darwin", "AUS Central Standard Time")
	add("Australia/Adelaide", "Adelaide", "Cen. Australia Standard Time")
	add("Australia/Melbourne", "Canberra", "Melbourne")
	add("Australia/Sydney", "Sydney", "AUS Eastern Standard Time", "AEST", "AEDT")
	add("Australia/Brisbane", "Brisbane", "E. Australia Standard Time")
	add("Australia/Hobart", "Hobart", "Tasmania Standard Time")
	add("Asia/Vladivostok", "Vladivostok")
	add("Pacific/Guam", "Guam")
	add("Pacific/Port_Moresby", "Port Moresby")
	add("Asia/Magadan", "Magadan")
	add("Pacific/Guadalcanal", "Solomon Is.")
	add("Pacific/Noumea", "New Caledonia")
	add("Pacific/Fiji", "Fiji", "Fiji Standard Time")
	add("Asia/Kamchatka", "Kamchatka")
	add("Pacific/Majuro", "Marshall Is.")
	add("Pacific/Auckland", "Auckland", "Wellington", "New Zealand Standard Time", "NZST", "NZDT")
	add("Pacific/Tongatapu", "Nuku'alofa")
	add("Pacific/Apia", "Samoa")
	add("Pacific/Pago_Pago", "American Samoa")
	add("Pacific/Midway", "Midway Island")
	add("Etc/GMT+12", "International Date Line West")
	add("UTC", "UTC", "Coordinated Universal Time", "Etc/UTC")
	return m
}()
