package samples

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File names written by Generate.
const (
	POSFile = "pos.csv"
	CRMFile = "crm.xlsx"
)

// Generate writes pos.csv and crm.xlsx into dir with event times relative
// to now. Files are written to a temporary name and renamed, so a reader
// never sees half a file.
func Generate(dir string, now time.Time) error {
	if err := writeFile(filepath.Join(dir, POSFile), func(f *os.File) error { return WritePOS(f, now) }); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, CRMFile), func(f *os.File) error { return WriteCRM(f, now) })
}

func writeFile(path string, write func(*os.File) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer os.Remove(f.Name()) // no-op after the rename
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// newRand returns the fixed-seed source that makes the output depend only
// on now. Each file has its own seed so that changing one generator does
// not reshuffle the other file.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// asciiFold turns a name into the letters people type in email addresses.
var asciiFold = strings.NewReplacer(
	"é", "e", "è", "e", "ê", "e", "ë", "e", "á", "a", "à", "a", "â", "a", "ä", "ae",
	"ã", "a", "í", "i", "ï", "i", "ó", "o", "ô", "o", "ö", "oe", "õ", "o", "ú", "u",
	"ü", "ue", "ñ", "n", "ç", "c", "ß", "ss", "å", "aa", "ø", "oe", "'", "", " ", "",
)

func emailLocal(first, last string) string {
	return asciiFold.Replace(strings.ToLower(first)) + "." + asciiFold.Replace(strings.ToLower(last))
}

// messy adds the stray spaces and case changes that hand-typed POS and CRM
// fields carry.
func messy(r *rand.Rand, s string) string {
	switch n := r.IntN(20); {
	case n == 0:
		return strings.ToUpper(s)
	case n == 1:
		return strings.ToLower(s)
	case n == 2:
		return " " + s
	case n == 3:
		return s + "  "
	}
	return s
}
