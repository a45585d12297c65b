package mapping

import (
	"regexp"
	"slices"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// validNANP reports whether the 10-digit national number nn of country
// code 1 is valid, as phonenumbers.IsValidNumber says, with the library's
// own metadata and patterns compiled once. The library builds each
// pattern's string anew for every check it makes: about 4 KB of garbage
// per number, most of what a run allocated (bench/README.md, "Figures").
// TestValidNANP holds the two to the same answer.
func validNANP(nn string) bool {
	regions := nanpRegions()
	if regions == nil {
		return false
	}
	// As the library finds the region: the first whose leading digits
	// match, or, for a region without them, whose patterns take the
	// number; then the number is valid if that region's patterns take it.
	for i := range regions {
		r := &regions[i]
		if r.leading != nil {
			if r.leading.MatchString(nn) {
				return r.valid(nn)
			}
		} else if r.valid(nn) {
			return true
		}
	}
	return false
}

// nanpRegion is what validNANP needs of one region's metadata.
type nanpRegion struct {
	leading           *regexp.Regexp // nil: none
	general           numberDesc
	types             []numberDesc // premium rate to voicemail, then fixed line
	mobile            numberDesc
	sameMobileAsFixed bool
}

// numberDesc is a phonenumbers.PhoneNumberDesc as isNumberMatchingDesc
// reads it.
type numberDesc struct {
	lengths []int32 // empty: any
	pattern *regexp.Regexp
}

func (d numberDesc) match(nn string) bool {
	if len(d.lengths) > 0 && !slices.Contains(d.lengths, int32(len(nn))) {
		return false
	}
	return d.pattern.MatchString(nn)
}

// valid is getNumberTypeHelper(nn) != UNKNOWN.
func (r *nanpRegion) valid(nn string) bool {
	if !r.general.match(nn) {
		return false
	}
	for _, d := range r.types {
		if d.match(nn) {
			return true
		}
	}
	return !r.sameMobileAsFixed && r.mobile.match(nn)
}

// nanpRegions holds the regions of country code 1 in the library's order;
// nil if the metadata cannot be read.
var nanpRegions = sync.OnceValue(func() []nanpRegion {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return nil
	}
	byID := map[string]*phonenumbers.PhoneMetadata{}
	for _, md := range coll.GetMetadata() {
		byID[md.GetId()] = md
	}
	desc := func(d *phonenumbers.PhoneNumberDesc) numberDesc {
		return numberDesc{lengths: d.GetPossibleLength(), pattern: regexp.MustCompile("^(?:" + d.GetNationalNumberPattern() + ")$")}
	}
	var out []nanpRegion
	for _, id := range phonenumbers.GetRegionCodesForCountryCode(1) {
		md := byID[id]
		if md == nil {
			return nil
		}
		r := nanpRegion{general: desc(md.GetGeneralDesc()), mobile: desc(md.GetMobile()), sameMobileAsFixed: md.GetSameMobileAndFixedLinePattern()}
		if l := md.GetLeadingDigits(); l != "" {
			r.leading = regexp.MustCompile("^(?:" + l + ")")
		}
		for _, d := range []*phonenumbers.PhoneNumberDesc{md.GetPremiumRate(), md.GetTollFree(), md.GetSharedCost(), md.GetVoip(),
			md.GetPersonalNumber(), md.GetPager(), md.GetUan(), md.GetVoicemail(), md.GetFixedLine()} {
			r.types = append(r.types, desc(d))
		}
		out = append(out, r)
	}
	return out
})
