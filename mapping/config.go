package mapping

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"capi-upload/ingest"
)

// Config is the mapping config (README "Mapping config").
type Config struct {
	PixelID        string `yaml:"pixel_id"`
	APIVersion     string `yaml:"api_version"`
	Timezone       string `yaml:"timezone"`
	DefaultCountry string `yaml:"default_country"`
	// Twins of command-line flags; a flag wins over these. Zero values
	// mean "use the default" (the README's flag table).
	ReportDir      string   `yaml:"report_dir"`
	State          string   `yaml:"state"`
	MaxAge         Duration `yaml:"max_age"`
	MaxRejectRatio *float64 `yaml:"max_reject_ratio"`

	// Profile names a preset of Meta's for a kind of upload:
	// ProfileConversionLeads, with LeadEventSource the CRM's name
	// (leads.go).
	Profile         string `yaml:"profile"`
	LeadEventSource string `yaml:"lead_event_source"`

	Input  InputConfig  `yaml:"input"`
	Upload UploadConfig `yaml:"upload"`
	Fields Fields       `yaml:"fields"`
	// Skip lists the rules that leave a row out on purpose (refunds,
	// line-item rows, lost deals): such a row is reported as skipped,
	// not rejected.
	Skip []SkipRule `yaml:"skip"`

	// Path is the file the config was loaded from ("" when parsed from a
	// reader); relative paths in it are resolved against its directory.
	Path string `yaml:"-"`
	// Location is Timezone loaded; UTC when Timezone is empty.
	Location *time.Location `yaml:"-"`

	// lines maps dotted key paths to their line in the file, so that
	// Validate's errors point at the line to fix.
	lines map[string]int
}

// line returns the line of the key at path, 0 when unknown.
//
// A key that is not in the file (a required one, missing) takes the line
// of the nearest enclosing key that is, so the message still points into
// the file: "fields.user_data" missing is reported at "fields:".
func (c *Config) line(path string) int {
	for {
		if l, ok := c.lines[path]; ok {
			return l
		}
		i := strings.LastIndexByte(path, '.')
		if i < 0 {
			return 0
		}
		path = path[:i]
	}
}

// InputConfig holds reader hints (ingest.Options).
type InputConfig struct {
	Sheet     string `yaml:"sheet"`
	Delimiter string `yaml:"delimiter"` // auto , ; \t |
	Encoding  string `yaml:"encoding"`  // auto utf-8 utf-16 windows-1252
	HeaderRow int    `yaml:"header_row"`
}

// UploadConfig holds top-level request fields and the sending twins of
// command-line flags. Zero values mean "use the default".
type UploadConfig struct {
	UploadTag      string   `yaml:"upload_tag"`
	NamespaceID    string   `yaml:"namespace_id"`
	TestEventCode  string   `yaml:"test_event_code"`
	BatchSize      int      `yaml:"batch_size"`
	Concurrency    int      `yaml:"concurrency"`
	MaxAttempts    int      `yaml:"max_attempts"`
	RequestTimeout Duration `yaml:"request_timeout"`
}

// Fields maps event fields to columns or constant values.
type Fields struct {
	EventName             *FieldSpec            `yaml:"event_name"`
	ActionSource          *FieldSpec            `yaml:"action_source"`
	EventTime             *FieldSpec            `yaml:"event_time"`
	EventID               *FieldSpec            `yaml:"event_id"`
	UserData              map[string]*FieldSpec `yaml:"user_data"`
	CustomData            map[string]*FieldSpec `yaml:"custom_data"`
	DataProcessingOptions *FieldSpec            `yaml:"data_processing_options"`
	DPOCountry            *FieldSpec            `yaml:"data_processing_options_country"`
	DPOState              *FieldSpec            `yaml:"data_processing_options_state"`
}

// Duration is a time.Duration that also reads days ("7d"), since
// Meta's windows (7 days, 62 days) are counted in days.
type Duration time.Duration

// ConfigError names the config key (and line, when known) that is wrong.
type ConfigError struct {
	File  string // config file; "" when parsed from a reader
	Line  int    // 1-based; 0 when unknown
	Field string // dotted key path, e.g. "fields.event_time.format"
	Err   error
}

// Error reads like a compiler message, "capi-upload.yaml:12:
// fields.user_data.emial: unknown key", so editors and people find the
// spot.
func (e *ConfigError) Error() string {
	var b []byte
	switch {
	case e.File != "" && e.Line > 0:
		b = fmt.Appendf(b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b = fmt.Appendf(b, "%s: ", e.File)
	case e.Line > 0:
		b = fmt.Appendf(b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b = append(b, e.Field...)
		b = append(b, ": "...)
	}
	b = append(b, e.Err.Error()...)
	return string(b)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Sentinel errors wrapped in *ConfigError.
var (
	ErrMissingRequired = errors.New("required")
	ErrUnknownKey      = errors.New("unknown key")
	ErrInvalid         = errors.New("invalid value")
	ErrWrongType       = errors.New("wrong type")
	ErrTooLarge        = errors.New("config too large")
)

// Limits on a config file. A mapping config is a few kilobytes; the
// limits turn a mistaken path (a 2 GB export given as --config) or a
// "billion laughs" alias bomb into a quick, clear error.
const (
	MaxConfigSize = 1 << 20 // bytes
	maxNodeVisits = 100_000 // YAML nodes visited while decoding, aliases expanded
)

// Defaults applied by DefaultConfig and kept where a config is silent.
const (
	DefaultAPIVersion = "v24.0"
	DefaultTimezone   = "UTC"
	DefaultHeaderRow  = 1
)

// DefaultConfig returns a config with the README's defaults and no fields.
func DefaultConfig() *Config {
	return &Config{
		APIVersion: DefaultAPIVersion,
		Timezone:   DefaultTimezone,
		Location:   time.UTC,
		Input:      InputConfig{Delimiter: "auto", Encoding: "auto", HeaderRow: DefaultHeaderRow},
	}
}

// Load reads and validates the config at path. Errors are *ConfigError
// naming the file, or the error opening it.
func Load(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open config: %w", err)
	}
	defer f.Close()
	cfg, err := parse(f, path)
	if err != nil {
		return nil, err
	}
	cfg.Path = path
	return cfg, nil
}

// Parse decodes a config strictly (an unknown key or a wrong type is an
// error naming the key and its line) and validates it. Errors are
// *ConfigError.
func Parse(r io.Reader) (*Config, error) { return parse(r, "") }

func parse(r io.Reader, file string) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxConfigSize+1))
	if err != nil {
		return nil, &ConfigError{File: file, Err: fmt.Errorf("read: %w", err)}
	}
	if len(data) > MaxConfigSize {
		return nil, &ConfigError{File: file, Err: fmt.Errorf("%w: more than %d bytes", ErrTooLarge, MaxConfigSize)}
	}
	cfg := DefaultConfig()
	if err := decodeConfig(bytes.NewReader(data), cfg); err != nil {
		return nil, withFile(err, file)
	}
	if err := cfg.Validate(); err != nil {
		return nil, withFile(err, file)
	}
	return cfg, nil
}

func withFile(err error, file string) error {
	if ce, ok := errors.AsType[*ConfigError](err); ok && ce.File == "" {
		ce.File = file
	}
	return err
}

// IngestOptions returns the reader options the config asks for.
func (c *Config) IngestOptions() ingest.Options {
	opt := ingest.Options{Sheet: c.Input.Sheet, HeaderRow: c.Input.HeaderRow}
	switch c.Input.Delimiter {
	case ",", ";", "|":
		opt.Delimiter = rune(c.Input.Delimiter[0])
	case `\t`, "\t", "tab":
		opt.Delimiter = '\t'
	}
	if c.Input.Encoding != "auto" {
		opt.Encoding = c.Input.Encoding
	}
	return opt
}
