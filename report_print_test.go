// report_print_test.go prints report.html to PDF in headless Chromium, on A4 and on Letter, as a
// learner handing in the report would, and checks what it can: the page count; that each
// heading is on the same page as the first box after it (no heading stranded at a page's foot);
// that no figure, table or line of the derivation is cut across two pages; that the derivation
// and the network's drawing come in the first pages; and that the MathML is there and laid out
// by the browser (every formula a box of some size, each fraction's numerator above its
// denominator). Chromium is driven over the DevTools pipe by the client of lab_browser_test.go
// (startBrowser, cdpClient). Which page holds a text is read from the PDF by pdftotext
// (poppler-utils), comparing letters and digits only; without it the page checks are skipped,
// and the whole test is skipped without Chromium, like the lab's browser test.

package main

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

// TestReportPrints writes the report of a 100-epoch run (a made-up history, a real network's
// derivation, drawing, weights and mistakes) and prints it.
func TestReportPrints(t *testing.T) {
	chromium := findChromium()
	if chromium == "" {
		t.Skip("no Chromium: none of chromium, chromium-browser, google-chrome on PATH nor /usr/bin/chromium; skipping the print test of report.html")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	dir := t.TempDir()
	net := newNetwork([]int{imageSize, 20, numDigits}, 1)
	d := blocksData(300, 2)
	pred := make([]byte, d.Len())
	for i := range pred {
		pred[i] = byte((int(d.Labels[i]) + i%4/3) % numDigits) // a quarter wrong
	}
	test := &testResult{Score: Score{Loss: 0.27, Hits: 9627, N: 10000}, Confusion: confusionOf(d.Labels, pred),
		Mistakes: findMistakes(net, d, pred, 48), Example: derivationOf(net, d, 0)}
	run := &reportRun{Title: defaultTitle, Author: "A. Student", Started: time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC),
		Settings: trainSettings{hidden: []int{20}, epochs: 100, batch: 10, lr: 0.5, etaDecay: 0.03, lambda: 5, seed: 1},
		Data:     "data, 50000 training, 10000 evaluation and 10000 test images", Trainer: "Trained by this program's functions."}
	if err := writeReport(dir, run, fakeHistory(100), net, test, runNote{Epochs: 100, Written: run.Started.Add(40 * time.Second)}); err != nil {
		t.Fatal(err)
	}

	b := startBrowser(t, chromium)
	s := blankPage(ctx, t, b) // helpers_test.go
	page := "file://" + filepath.ToSlash(filepath.Join(dir, "report.html"))
	if err := b.call(ctx, s, "Page.navigate", map[string]any{"url": page}, nil); err != nil {
		t.Fatal(err)
	}
	if err := pollFor(ctx, 20*time.Second, func() (bool, error) {
		var state string
		b.eval(ctx, s, "document.readyState", &state)
		return state == "complete", nil
	}); err != nil {
		t.Fatalf("report.html did not load: %v", err)
	}
	if err := b.call(ctx, s, "Emulation.setEmulatedMedia", map[string]any{"media": "print"}, nil); err != nil {
		t.Fatal(err)
	}

	// MathML: every formula laid out as a box, and fractions as fractions.
	var ml struct {
		Formulas, Empty, Fractions, Flat int
	}
	if err := b.eval(ctx, s, `JSON.stringify((() => {
		const ms = [...document.querySelectorAll("math")], fs = [...document.querySelectorAll("mfrac")];
		const box = e => e.getBoundingClientRect();
		return {Formulas: ms.length, Empty: ms.filter(m => box(m).width == 0 || box(m).height == 0).length,
			Fractions: fs.length, Flat: fs.filter(f => !(box(f.children[0]).bottom <= box(f.children[1]).top + 1)).length};
	})())`, &ml); err != nil {
		t.Fatal(err)
	}
	if ml.Formulas < len(mathLines()) || ml.Empty > 0 || ml.Fractions == 0 || ml.Flat > 0 {
		t.Errorf("MathML: %d formulas (want at least the %d lines), %d of no size; %d fractions, %d not laid out as fractions",
			ml.Formulas, len(mathLines()), ml.Empty, ml.Fractions, ml.Flat)
	}

	// The headings with the box after each, and the blocks that must not be cut, by their text.
	var blocks struct {
		Headings [][2]string // heading, the text of the first element after it
		Whole    [][3]string // what the block is, its first and its last text
	}
	if err := b.eval(ctx, s, `JSON.stringify((() => {
		const text = e => e.textContent.replace(/\s+/g, " ").trim();
		const after = h => { let e = h; do { e = e.nextElementSibling || e.parentElement.nextElementSibling; } while (e && !text(e)); return e ? text(e) : ""; };
		return {
			Headings: [...document.querySelectorAll("h1, h2, h3")].map(h => [text(h), after(h)]),
			Whole: [...document.querySelectorAll("figure, table, .line")].map(e => [e.tagName + "." + e.className, text(e), text(e)]),
		};
	})())`, &blocks); err != nil {
		t.Fatal(err)
	}
	if len(blocks.Headings) < 8 {
		t.Fatalf("report.html has %d headings", len(blocks.Headings))
	}

	pdftotext, _ := exec.LookPath("pdftotext")
	for _, paper := range []struct {
		name          string
		width, height float64 // inches
	}{{"A4", 210 / 25.4, 297 / 25.4}, {"Letter", 8.5, 11}} {
		var pdf struct {
			Data string `json:"data"`
		}
		if err := b.call(ctx, s, "Page.printToPDF", map[string]any{"paperWidth": paper.width, "paperHeight": paper.height,
			"printBackground": false, "displayHeaderFooter": false}, &pdf); err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(pdf.Data)
		if err != nil {
			t.Fatal(err)
		}
		pages := len(regexp.MustCompile(`/Type\s*/Page\b`).FindAll(raw, -1))
		t.Logf("%s: %d pages", paper.name, pages)
		if pages < 3 || pages > 12 {
			t.Errorf("%s: %d pages", paper.name, pages)
		}
		if pdftotext == "" {
			t.Logf("no pdftotext: the headings' and blocks' pages are not checked")
			continue
		}
		path := filepath.Join(dir, paper.name+".pdf")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		texts := make([]string, pages)
		for i := range texts {
			out, err := exec.CommandContext(ctx, pdftotext, "-f", strconv.Itoa(i+1), "-l", strconv.Itoa(i+1), path, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			texts[i] = letters(string(out))
		}
		// onPage is the first page (from 1) whose text holds the start (or end) of text, 0 if none.
		onPage := func(text string, end bool) int {
			key := []rune(letters(text))
			if len(key) > 16 {
				if end {
					key = key[len(key)-16:]
				} else {
					key = key[:16]
				}
			}
			for i, pt := range texts {
				if len(key) > 0 && strings.Contains(pt, string(key)) {
					return i + 1
				}
			}
			return 0
		}
		for _, h := range blocks.Headings {
			hp, np := onPage(h[0], false), onPage(h[1], false)
			switch {
			case hp == 0:
				t.Errorf("%s: the heading %q is on no page", paper.name, h[0])
			case np == 0:
				t.Logf("%s: the text after %q is not found in the PDF's text (%.40q)", paper.name, h[0], h[1])
			case np != hp:
				t.Errorf("%s: the heading %q is on page %d, the box after it on page %d", paper.name, h[0], hp, np)
			}
			if strings.HasPrefix(h[0], "2. The network") && hp > 3 {
				t.Errorf("%s: the network's drawing begins on page %d, not in the first pages", paper.name, hp)
			}
		}
		for _, w := range blocks.Whole {
			if len([]rune(letters(w[1]))) < 24 {
				continue // too little text to tell where it is
			}
			first, last := onPage(w[1], false), onPage(w[2], true)
			if first != 0 && last != 0 && first != last {
				t.Errorf("%s: a %s is cut across pages %d and %d: %.60q", paper.name, w[0], first, last, w[1])
			}
		}
	}
	for _, p := range b.problems {
		t.Errorf("browser: %s", p)
	}
	for _, u := range b.urls {
		if !strings.HasPrefix(u, "file:") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "about:") {
			t.Errorf("report.html asked for %s: it must need nothing but itself", u)
		}
	}
}

// letters keeps the letters and digits of s, lowercased, to compare a page's text with the
// DOM's whatever the spacing and punctuation pdftotext gives it.
func letters(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
