// Package locales holds OpenHotline's go-i18n message files (one TOML file per language) and
// embeds them so the binary needs no files at run time. Keys starting with "canned_" are canned
// replies offered to advocates in the console.
package locales

import "embed"

// FS holds every *.toml message file.
//
//go:embed *.toml
var FS embed.FS
