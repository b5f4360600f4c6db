// Command contactsheet draws every movement of the default rule set on one
// sheet, docs/movements.svg, so that a reviewer can look at them all at
// once. Run it from the module root after changing a pose or the renderer:
//
//	go run ./internal/tools/contactsheet
//
// With -o - it writes the sheet to standard output. A test checks that the
// committed sheet is up to date.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"html"
	"os"

	"github.com/backrules/backrules/recommend"
)

func main() {
	out := flag.String("o", "docs/movements.svg", "where to write the sheet; - for standard output")
	flag.Parse()
	b, err := sheet()
	if err == nil {
		if *out == "-" {
			_, err = os.Stdout.Write(b)
		} else {
			err = os.WriteFile(*out, b, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "contactsheet:", err)
		os.Exit(1)
	}
}

// Cell size and columns of the sheet.
const (
	cellW, cellH, cols = 240, 220, 4
)

func sheet() ([]byte, error) {
	e, err := recommend.Default()
	if err != nil {
		return nil, err
	}
	ms := e.Movements()
	rows := (len(ms) + cols - 1) / cols
	var w bytes.Buffer
	fmt.Fprintf(&w, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"13\">\n<title>Every movement of the default rule set</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
		cellW*cols, cellH*rows, cellW*cols, cellH*rows)
	for i, m := range ms {
		svg, err := e.MovementSVG(m.ID)
		if err != nil {
			return nil, err
		}
		x, y := cellW*(i%cols), cellH*(i/cols)
		fmt.Fprintf(&w, "<g transform=\"translate(%d %d)\">%s<text x=\"8\" y=\"214\">%s</text><rect width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#ddd\"/></g>\n",
			x, y, svg, html.EscapeString(m.ID), cellW, cellH)
	}
	w.WriteString("</svg>\n")
	return w.Bytes(), nil
}
