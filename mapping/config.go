package mapping

import (
	"errors"
	"io"
	"time"

	"capi-upload/ingest"
)

// Config is the mapping config (SPEC "Mapping config").
type Config struct {
	PixelID        string `yaml:"pixel_id"`
	APIVersion     string `yaml:"api_version"`
	Timezone       string `yaml:"timezone"`
	DefaultCountry string `yaml:"default_country"`
	// Twins of command-line flags; a flag wins over these.
	ReportDir      string   `yaml:"report_dir"`
	State          string   `yaml:"state"`
	MaxAge         Duration `yaml:"max_age"`
	MaxRejectRatio *float64 `yaml:"max_reject_ratio"`

	Input  InputConfig  `yaml:"input"`
	Upload UploadConfig `yaml:"upload"`
	Fields Fields       `yaml:"fields"`

	// Path is the file the config was loaded from ("" when parsed from a
	// reader); relative paths in it are resolved against its directory.
	Path string `yaml:"-"`
	// Location is Timezone loaded; UTC when Timezone is empty.
	Location *time.Location `yaml:"-"`
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

// FieldSpec says where a field's value comes from: a column name, a list
// of column names, or an object with column or value and options.
type FieldSpec struct {
	Columns []string          // from a bare string, a list, or "column"
	Value   any               // constant: string or []string
	Format  string            // time and date fields
	Map     map[string]string // translate cell values; "" result skips the row
	Split   string
	Decimal string // "," or "."
	Default string
	Hash    *bool // external_id only: false sends it unhashed
	Line    int   // line in the YAML file, for errors
}

// Duration is a time.Duration that also reads days ("7d").
type Duration time.Duration

// ConfigError names the config key (and line, when known) that is wrong.
type ConfigError struct {
	File  string
	Line  int
	Field string // e.g. "fields.event_time.format"
	Err   error
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Sentinel errors wrapped in *ConfigError.
var (
	ErrMissingRequired = errors.New("required")
	ErrUnknownKey      = errors.New("unknown key")
	ErrInvalid         = errors.New("invalid value")
)

// Load reads and validates the config at path.
func Load(path string) (*Config, error) { return nil, errors.New("TODO") }

// Parse decodes a config strictly (an unknown key or a wrong type is an
// error naming the key and its line) and validates it.
func Parse(r io.Reader) (*Config, error) { return nil, errors.New("TODO") }

// IngestOptions returns the reader options the config asks for.
func (c *Config) IngestOptions() ingest.Options { return ingest.Options{} }
