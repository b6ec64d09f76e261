package gateway

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// qrSVG draws text as a QR code in inline SVG: one path of dark modules on a white square with
// the four-module quiet zone, so an authenticator app scans it from the screen with nothing
// fetched from anywhere.
func qrSVG(text, label string) (template.HTML, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("gateway: qr code: %w", err)
	}
	b := code.Bounds()
	n := b.Dx()
	const quiet = 4
	var d strings.Builder
	dark := func(x, y int) bool { r, _, _, _ := code.At(b.Min.X+x, b.Min.Y+y).RGBA(); return r == 0 }
	for y := 0; y < n; y++ {
		for x := 0; x < n; {
			if !dark(x, y) {
				x++
				continue
			}
			run := 1 // a row's dark modules side by side make one rectangle
			for x+run < n && dark(x+run, y) {
				run++
			}
			fmt.Fprintf(&d, "M%d %dh%dv1h-%dz", x+quiet, y+quiet, run, run)
			x += run
		}
	}
	size := n + 2*quiet
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" class="qr" role="img" aria-label="%s" viewBox="0 0 %d %d" shape-rendering="crispEdges">`+
		`<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		template.HTMLEscapeString(label), size, size, size, size, d.String())
	return template.HTML(svg), nil // built here from numbers and an escaped label
}
