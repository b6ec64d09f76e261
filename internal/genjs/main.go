// Command genjs writes the JavaScript modules that give the web apps the protocol names: the
// console protocol's gateway/web/static/protocol.js and the chat protocol's
// channels/webchat/web/protocol.js. The names are defined once, as Go constants in the package
// that owns each (routing for domain names, gateway for console frames, webchat for chat frames);
// the pages import these modules instead of spelling the names again. Run it from the module root
// after changing a name:
//
//	go run ./internal/genjs
//
// (or go generate ./internal/genjs). TestGeneratedFilesAreCurrent fails while a file is stale.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

//go:generate go run . -root ../..

func main() {
	root := flag.String("root", ".", "the module root the files are written under")
	flag.Parse()
	if err := write(*root); err != nil {
		fmt.Fprintln(os.Stderr, "genjs:", err)
		os.Exit(1)
	}
}

// write renders every module and writes those whose bytes changed.
func write(root string) error {
	for _, m := range modules() {
		path := filepath.Join(root, filepath.FromSlash(m.path))
		want := m.render()
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, want) {
			continue
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", m.path, err)
		}
	}
	return nil
}
