package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// palette is for series and instances: distinct at a glance (Tableau 10).
var palette = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
	{188, 189, 34, 255}, {23, 190, 207, 255},
}

// faultColors shade the fault windows, light enough for the lines to
// read over them.
var faultColors = []color.NRGBA{
	{255, 90, 90, 50}, {255, 190, 60, 60}, {120, 120, 255, 45}, {90, 200, 90, 50}, {200, 90, 200, 45},
}

func pick[T any](s []T, i int) T { return s[i%len(s)] }

var dashed = []vg.Length{vg.Points(5), vg.Points(3)}

const (
	width       = 10 * vg.Inch
	panelHeight = 2.9 * vg.Inch
	dpi         = 110
)

// band shades a fault window over the whole height of a panel.
type band struct {
	fault
	color color.Color
}

// Plot implements plot.Plotter.
func (b band) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x0, x1 := max(trX(b.start), c.Min.X), min(trX(b.end), c.Max.X)
	if x1 <= x0 {
		return
	}
	c.FillPolygon(b.color, []vg.Point{{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y}})
}

// Thumbnail implements plot.Thumbnailer.
func (b band) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.color, []vg.Point{c.Min, {X: c.Max.X, Y: c.Min.Y}, c.Max, {X: c.Min.X, Y: c.Max.Y}})
}

// swatch is a legend entry's line: it draws a horizontal stroke.
type swatch draw.LineStyle

// Thumbnail implements plot.Thumbnailer.
func (s swatch) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(draw.LineStyle(s), c.Min.X, y, c.Max.X, y)
}

// panel is one of an image's plots: a y quantity over time, one line per
// series (or instance).
type panel struct {
	title, ylabel string
	log           bool // a log y axis
	lines         []line
	ymin, ymax    float64 // fixed range when ymax > ymin
}

type line struct {
	pts   plotter.XYs
	style draw.LineStyle
}

// panels returns a timeline's panels, one line per series in each:
// latency (p99 and p50; p99.9) when any request succeeded, attempts per
// request when they ever differ from requests, errors when there are any.
func (tl *timeline) panels() []panel {
	names := tl.seriesNames()
	per := func(get func(sample) (float64, bool), style func(i int) draw.LineStyle) []line {
		var ls []line
		for i, name := range names {
			var pts plotter.XYs
			for _, s := range tl.samples {
				if s.series != name {
					continue
				}
				if y, ok := get(s); ok {
					pts = append(pts, plotter.XY{X: float64(s.t) + 0.5, Y: y}) // the middle of its second
				}
			}
			if len(pts) > 0 {
				ls = append(ls, line{pts, style(i)})
			}
		}
		return ls
	}
	// Series drawn first are drawn wider, so that a line hidden under a
	// later one (two contestants behaving alike) still shows at its edges.
	solid := func(i int) draw.LineStyle {
		return draw.LineStyle{Color: pick(palette, i), Width: vg.Points(1.4 + 0.5*float64(len(names)-1-i))}
	}
	thinDashed := func(i int) draw.LineStyle {
		return draw.LineStyle{Color: pick(palette, i), Width: vg.Points(1.1), Dashes: dashed}
	}
	positive := func(f func(sample) float64) func(sample) (float64, bool) {
		return func(s sample) (float64, bool) { y := f(s); return y, y > 0 && !math.IsNaN(y) }
	}
	var ps []panel
	p99 := per(positive(func(s sample) float64 { return s.p99 }), solid)
	if len(p99) > 0 {
		p50 := per(positive(func(s sample) float64 { return s.p50 }), thinDashed)
		ps = append(ps, panel{title: "Latency: p99 (solid), p50 (dashed)", ylabel: "ms, log scale", log: true,
			lines: append(p99, p50...)})
		ps = append(ps, panel{title: "Latency: p99.9", ylabel: "ms, log scale", log: true,
			lines: per(positive(func(s sample) float64 { return s.p999 }), solid)})
	}
	amplified := slices.ContainsFunc(tl.samples, func(s sample) bool { return s.attempts != s.requests })
	if amplified {
		ps = append(ps, panel{title: "Attempts per request (amplification)", ylabel: "attempts / request",
			lines: per(func(s sample) (float64, bool) {
				return float64(s.attempts) / float64(s.requests), s.requests > 0
			}, solid)})
	}
	if slices.ContainsFunc(tl.samples, func(s sample) bool { return s.errors > 0 }) {
		ps = append(ps, panel{title: "Errors seen by callers (refusals and timeouts included)", ylabel: "% of requests", ymin: 0, ymax: 100,
			lines: per(func(s sample) (float64, bool) {
				return 100 * float64(s.errors) / float64(s.requests), s.requests > 0
			}, solid)})
	}
	return ps
}

// sharePanels gives one panel per series: each instance's share of the
// attempts over time.
func (tl *timeline) sharePanels() []panel {
	instances := tl.instances()
	var ps []panel
	for _, name := range tl.seriesNames() {
		p := panel{title: "Share of attempts per instance: " + name, ylabel: "share", ymin: 0, ymax: 1}
		for i, in := range instances {
			var pts plotter.XYs
			for _, s := range tl.shares {
				if s.series == name && s.instance == in {
					pts = append(pts, plotter.XY{X: float64(s.t) + 0.5, Y: s.share})
				}
			}
			if len(pts) > 0 {
				p.lines = append(p.lines, line{pts, draw.LineStyle{Color: pick(palette, i), Width: vg.Points(1.6)}})
			}
		}
		if len(p.lines) > 0 {
			ps = append(ps, p)
		}
	}
	return ps
}

// xRange returns the time axis's range: every sample and fault window.
func (tl *timeline) xRange() (float64, float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range tl.samples {
		lo, hi = min(lo, float64(s.t)), max(hi, float64(s.t+1))
	}
	for _, f := range tl.faults {
		lo, hi = min(lo, f.start), max(hi, f.end)
	}
	return lo, hi
}

// legendEntry is a line of an image's key; render lays the key out in
// columns side by side.
type legendEntry struct {
	label string
	thumb plot.Thumbnailer
}

// render draws title, a legend row and the panels, stacked, as a PNG.
func (tl *timeline) render(w io.Writer, title string, panels []panel, keys [][]legendEntry) error {
	if len(panels) == 0 {
		return fmt.Errorf("%s: nothing to plot", tl.name)
	}
	maxKeys := 0
	for _, col := range keys {
		maxKeys = max(maxKeys, len(col))
	}
	legendHeight := vg.Points(15)*vg.Length(maxKeys) + vg.Points(34)
	height := legendHeight + panelHeight*vg.Length(len(panels))
	img := vgimg.NewWith(vgimg.UseWH(width, height), vgimg.UseDPI(dpi), vgimg.UseBackgroundColor(color.White))
	dc := draw.New(img)

	// The title and the legend.
	top := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: vg.Point{X: dc.Min.X, Y: dc.Max.Y - legendHeight}, Max: dc.Max}}
	head := plot.New()
	head.HideAxes()
	head.Title.Text = title
	head.Title.TextStyle.Font.Size = vg.Points(15)
	head.Draw(top)
	colW := (width - vg.Inch) / vg.Length(max(1, len(keys)))
	for i, col := range keys {
		l := plot.NewLegend()
		l.Top, l.Left = true, true
		l.TextStyle.Font.Size = vg.Points(11)
		l.ThumbnailWidth = vg.Points(28)
		l.Padding = vg.Points(4)
		for _, e := range col {
			l.Add(e.label, e.thumb)
		}
		x0 := dc.Min.X + vg.Inch*0.7 + colW*vg.Length(i)
		l.Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x0, Y: dc.Max.Y - legendHeight + vg.Points(6)},
			Max: vg.Point{X: x0 + colW, Y: dc.Max.Y - vg.Points(28)}}})
	}

	// The panels, with one time axis.
	xlo, xhi := tl.xRange()
	plots := make([][]*plot.Plot, len(panels))
	for i, pn := range panels {
		p := plot.New()
		p.Title.Text = pn.title
		p.Title.TextStyle.Font.Size = vg.Points(12)
		if i == len(panels)-1 {
			p.X.Label.Text = "time since the run began (s)"
		}
		p.Y.Label.Text = pn.ylabel
		p.X.Min, p.X.Max = xlo, xhi
		p.Add(plotter.NewGrid())
		for j, f := range tl.faults {
			p.Add(band{f, pick(faultColors, j)})
		}
		ylo, yhi := math.Inf(1), math.Inf(-1)
		for _, l := range pn.lines {
			pl, err := plotter.NewLine(l.pts)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", tl.name, pn.title, err)
			}
			pl.LineStyle = l.style
			p.Add(pl)
			for _, pt := range l.pts {
				ylo, yhi = min(ylo, pt.Y), max(yhi, pt.Y)
			}
		}
		p.X.Tick.Marker = readableTicks{plot.DefaultTicks{}}
		p.Y.Tick.Marker = readableTicks{plot.DefaultTicks{}}
		logScale := false
		switch {
		case pn.ymax > pn.ymin:
			p.Y.Min, p.Y.Max = pn.ymin, pn.ymax
		case pn.log && ylo > 0 && yhi/ylo > 20:
			p.Y.Scale = plot.LogScale{}
			p.Y.Tick.Marker = readableTicks{plot.LogTicks{Prec: -1}}
			logScale = true
			p.Y.Min, p.Y.Max = ylo/1.3, yhi*1.3
		case !math.IsInf(ylo, 0):
			pad := 0.08 * max(yhi-ylo, 0.05*math.Abs(yhi), 0.01)
			p.Y.Min, p.Y.Max = ylo-pad, yhi+pad
			if ylo >= 0 {
				p.Y.Min = max(0, p.Y.Min)
			}
		}
		if !logScale {
			p.Y.Label.Text = trimLog(p.Y.Label.Text)
		}
		plots[i] = []*plot.Plot{p}
	}
	body := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
		Min: dc.Min, Max: vg.Point{X: dc.Max.X, Y: dc.Max.Y - legendHeight}}}
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadX: vg.Points(4), PadY: vg.Points(14),
		PadTop: vg.Points(4), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(14)}
	canvases := plot.Align(plots, tiles, body)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
	return err
}

// readableTicks labels the major ticks of its Ticker with up to four
// significant digits (the default labels 1.05 as 1), and, on a log axis,
// adds labelled ticks at 2x and 5x each power of ten.
type readableTicks struct{ plot.Ticker }

// Ticks implements plot.Ticker.
func (r readableTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := r.Ticker.Ticks(lo, hi)
	_, isLog := r.Ticker.(plot.LogTicks)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = strconv.FormatFloat(t.Value, 'g', 4, 64)
			continue
		}
		if e := math.Log10(t.Value); isLog && math.Abs(math.Round(e)-e) > 1e-9 {
			if m := t.Value / math.Pow(10, math.Floor(e)); math.Abs(m-2) < 1e-9 || math.Abs(m-5) < 1e-9 {
				ticks[i].Label = strconv.FormatFloat(t.Value, 'g', 4, 64)
			}
		}
	}
	return ticks
}

// trimLog drops ", log scale" from a label whose axis turned out linear.
func trimLog(s string) string {
	const suffix = ", log scale"
	if len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix {
		return s[:len(s)-len(suffix)]
	}
	return s
}

// seriesKeys, faultKeys and instanceKeys build legend columns.
func (tl *timeline) seriesKeys() []legendEntry {
	var es []legendEntry
	for i, name := range tl.seriesNames() {
		es = append(es, legendEntry{name, swatch{Color: pick(palette, i), Width: vg.Points(2.5)}})
	}
	return es
}

func (tl *timeline) faultKeys() []legendEntry {
	var es []legendEntry
	for i, f := range tl.faults {
		es = append(es, legendEntry{fmt.Sprintf("%s (%ss–%ss)", f.label, tenths(f.start), tenths(f.end)), band{f, pick(faultColors, i)}})
	}
	return es
}

// tenths formats seconds to a tenth, without trailing zeros.
func tenths(s float64) string {
	return strconv.FormatFloat(math.Round(s*10)/10, 'f', -1, 64)
}

func (tl *timeline) instanceKeys() []legendEntry {
	var es []legendEntry
	for i, in := range tl.instances() {
		es = append(es, legendEntry{in, swatch{Color: pick(palette, i), Width: vg.Points(2.5)}})
	}
	return es
}
