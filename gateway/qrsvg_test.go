package gateway

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/boombuler/barcode/qr"
)

// The SVG draws exactly the QR code's dark modules, inside a four-module quiet zone: what an
// authenticator app scans is the otpauth:// link, nothing lost or added by the drawing.
func TestQRSVGDrawsEveryModule(t *testing.T) {
	text := "otpauth://totp/OpenHotline:sam?algorithm=SHA1&digits=6&issuer=OpenHotline&period=30&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	svg, err := qrSVG(text, `a "label" <b>`)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(svg), "<b>") {
		t.Fatal("the label is not escaped")
	}
	code, _ := qr.Encode(text, qr.M, qr.Auto)
	n := code.Bounds().Dx()
	if !strings.Contains(string(svg), fmt.Sprintf(`viewBox="0 0 %d %d"`, n+8, n+8)) {
		t.Fatalf("viewBox is not the code's %d modules and the quiet zone", n)
	}
	drawn := map[[2]int]bool{}
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(string(svg), -1) {
		var x, y, run int
		fmt.Sscan(m[1], &x)
		fmt.Sscan(m[2], &y)
		fmt.Sscan(m[3], &run)
		for i := range run {
			drawn[[2]int{x + i - 4, y - 4}] = true
		}
	}
	for y := range n {
		for x := range n {
			r, _, _, _ := code.At(x, y).RGBA()
			if (r == 0) != drawn[[2]int{x, y}] {
				t.Fatalf("module %d,%d: dark %v, drawn %v", x, y, r == 0, drawn[[2]int{x, y}])
			}
		}
	}
}
