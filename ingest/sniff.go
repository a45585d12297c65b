package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
)

// sniffBytes is how much of the start of a file decides its encoding and
// delimiter: enough for hundreds of rows, small enough to stay in the
// reader's buffer.
const sniffBytes = 64 << 10

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// textEncoding is the decision sniffEncoding makes.
type textEncoding struct {
	dec     *encoding.Decoder // nil: UTF-8, read as is
	skipBOM int               // bytes of UTF-8 BOM to drop
}

// sniffEncoding picks the decoder for raw, the first bytes of the input.
// A BOM wins over everything, because exporters that write one mean it;
// then valid UTF-8 (which Windows-1252 text almost never is once it holds
// a non-ASCII letter); else Windows-1252, what Excel on Windows writes as
// "CSV" in the Americas and Western Europe.
func sniffEncoding(raw []byte, full bool, forced string) (textEncoding, error) {
	switch strings.ToLower(strings.TrimSpace(forced)) {
	case "", "auto":
	case "utf-8", "utf8":
		if bytes.HasPrefix(raw, bomUTF8) {
			return textEncoding{skipBOM: len(bomUTF8)}, nil
		}
		return textEncoding{}, nil
	case "utf-16", "utf16":
		// UseBOM: a BOM sets the byte order, else little-endian.
		return textEncoding{dec: xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewDecoder()}, nil
	case "utf-16le":
		return textEncoding{dec: xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewDecoder()}, nil
	case "utf-16be":
		return textEncoding{dec: xunicode.UTF16(xunicode.BigEndian, xunicode.UseBOM).NewDecoder()}, nil
	case "windows-1252", "cp1252", "latin1", "iso-8859-1":
		// Windows-1252 is a superset of ISO-8859-1's printable characters,
		// and files labelled Latin-1 are nearly always Windows-1252.
		return textEncoding{dec: charmap.Windows1252.NewDecoder()}, nil
	default:
		return textEncoding{}, fmt.Errorf("unknown encoding %q (want auto, utf-8, utf-16 or windows-1252)", forced)
	}
	switch {
	case bytes.HasPrefix(raw, bomUTF8):
		return textEncoding{skipBOM: len(bomUTF8)}, nil
	case bytes.HasPrefix(raw, bomUTF16LE):
		return textEncoding{dec: xunicode.UTF16(xunicode.LittleEndian, xunicode.ExpectBOM).NewDecoder()}, nil
	case bytes.HasPrefix(raw, bomUTF16BE):
		return textEncoding{dec: xunicode.UTF16(xunicode.BigEndian, xunicode.ExpectBOM).NewDecoder()}, nil
	}
	if !full {
		raw = dropPartialRune(raw)
	}
	if utf8.Valid(raw) {
		return textEncoding{}, nil
	}
	return textEncoding{dec: charmap.Windows1252.NewDecoder()}, nil
}

// dropPartialRune cuts a UTF-8 sequence that the end of the sample split.
func dropPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			return b
		}
	}
	return b
}

// checkText rejects input that is not text before it is parsed as rows:
// a zip (often an .xlsx renamed .csv), or a sample where more than 1 byte
// in 32 (and at least 4) is a control character that no text export
// contains. A few stray NULs in an otherwise textual file are left to the
// row check, so they reject their rows, not the file.
func checkText(sample []byte) error {
	if bytes.HasPrefix(sample, []byte("PK\x03\x04")) {
		return fmt.Errorf("%w: does not look like a text file (it is a zip archive; an .xlsx file with the wrong extension?)", ErrUnsupported)
	}
	ctl, nulOdd, nulEven := 0, 0, 0
	for i, c := range sample {
		if c >= 0x20 || c == '\t' || c == '\n' || c == '\r' || c == '\f' {
			continue
		}
		ctl++
		if c == 0 {
			if i%2 == 0 {
				nulEven++
			} else {
				nulOdd++
			}
		}
	}
	if ctl < 4 || ctl*32 < len(sample) {
		return nil
	}
	if n := len(sample) / 2; n > 0 && (nulOdd > n*9/10 || nulEven > n*9/10) {
		return fmt.Errorf("%w: does not look like a text file (it may be UTF-16 without a byte-order mark: set the encoding to utf-16)", ErrUnsupported)
	}
	return fmt.Errorf("%w: does not look like a text file (binary data in the first %d bytes)", ErrUnsupported, len(sample))
}

// delimiters are the candidates sniffDelimiter tries, in order of
// preference when they score the same.
var delimiters = []byte{',', ';', '\t', '|'}

// sniffDelimiter picks the candidate that splits the sample's rows into the
// same number (at least two) of fields most consistently, quotes respected.
// A decimal comma in a ';' file splits some rows but not the header, so it
// scores lower than ';'. With no candidate splitting anything, it is ','.
func sniffDelimiter(sample []byte, full bool, opt Options) byte {
	best, bestScore, bestWidth := delimiters[0], 0.0, 0
	for _, d := range delimiters {
		p := &csvReader{
			br:    bufio.NewReaderSize(bytes.NewReader(sample), max(len(sample), 16)),
			comma: d,
			opt:   opt,
		}
		var widths []int
		for len(widths) < 200 {
			if _, err := p.readRecord(); err != nil {
				break
			}
			if !p.blank() {
				widths = append(widths, len(p.ends))
			}
		}
		if !full && len(widths) > 1 {
			widths = widths[:len(widths)-1] // the sample may have cut it
		}
		width, n := mode(widths)
		if width < 2 {
			continue
		}
		score := float64(n) / float64(len(widths))
		if score > bestScore || (score == bestScore && width > bestWidth) {
			best, bestScore, bestWidth = d, score, width
		}
	}
	return best
}

// mode returns the most frequent value of xs and how often it occurs.
func mode(xs []int) (value, count int) {
	counts := make(map[int]int, 8)
	for _, x := range xs {
		counts[x]++
		if c := counts[x]; c > count || (c == count && x > value) {
			value, count = x, c
		}
	}
	return value, count
}

// trimSpace trims white space and stray BOMs (files concatenated from
// several exports carry one mid-file) from a header name.
func trimSpace(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\uFEFF' })
}
