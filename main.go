// Command capi-upload sends offline conversion events from CSV and XLSX
// exports to Meta's Conversions API.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "capi-upload: not built yet")
	os.Exit(1)
}
