package main

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestZZExplore(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	b := startBrowser(t, findChromium())
	var r struct {
		TargetID  string `json:"targetId"`
		SessionID string `json:"sessionId"`
	}
	b.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &r)
	b.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": r.TargetID, "flatten": true}, &r)
	s := r.SessionID
	for _, m := range []string{"Runtime.enable", "Log.enable", "Page.enable", "Network.enable"} {
		b.call(ctx, s, m, nil, nil)
	}
	width := 1280
	if os.Getenv("W") == "390" {
		width = 390
	}
	b.call(ctx, s, "Emulation.setDeviceMetricsOverride", map[string]any{"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": width < 500}, nil)
	b.call(ctx, s, "Page.navigate", map[string]any{"url": os.Getenv("URL")}, nil)
	pollFor(ctx, 90*time.Second, func() (bool, error) {
		var ready any
		b.eval(ctx, s, `document.body && document.body.dataset.ready === "1" && window.labStatic.ready`, &ready)
		return ready == true, nil
	})
	for i, js := range strings.Split(os.Getenv("STEPS"), "\n---\n") {
		if strings.HasPrefix(js, "shot ") {
			var shot struct{ Data []byte }
			b.call(ctx, s, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": strings.Contains(js, "full")}, &shot)
			os.WriteFile(strings.Fields(js)[1], shot.Data, 0o644)
			continue
		}
		var v any
		err := b.eval(ctx, s, js, &v)
		t.Logf("step %d: %v %v", i, v, err)
	}
	b.mu.Lock()
	for _, p := range b.problems {
		t.Logf("problem: %s", p)
	}
	b.mu.Unlock()
}
