package dev.kiln.bench;

import java.util.List;
import java.util.Locale;

/**
 * Writes a grouped horizontal bar chart as a standalone SVG document: one group per kernel, one bar per
 * engine giving its time relative to native code (1 = as fast as native) on a logarithmic axis.
 * Missing values draw a grey "n/a". No third-party code: plain SVG 1.1 text.
 */
public final class RatioChart {
    private static final String[] COLORS = {"#4e79a7", "#e15759", "#f28e2b", "#76b7b2", "#59a14f", "#b07aa1", "#9c755f",
        "#edc948", "#ff9da7", "#bab0ac"};
    private static final int LABEL_W = 120;
    private static final int PLOT_W = 620;
    private static final int BAR_H = 9;
    private static final int GROUP_GAP = 10;
    private static final int TOP = 40;

    private RatioChart() {
    }

    /**
     * Renders the chart.
     *
     * @param title   the title line
     * @param kernels the groups, top to bottom
     * @param engines the bars of each group, in legend order
     * @param ratios  {@code ratios[k][e]}: time of engine {@code e} on kernel {@code k} divided by native
     *                code's time, or {@code NaN} when not available
     * @return the SVG document
     */
    public static String svg(String title, List<String> kernels, List<String> engines, double[][] ratios) {
        double min = 1, max = 1;
        for (double[] row : ratios) {
            for (double r : row) {
                if (r > 0 && Double.isFinite(r)) {
                    min = Math.min(min, r);
                    max = Math.max(max, r);
                }
            }
        }
        // Decades from a power of ten at or below min to one at or above max.
        int lo = (int) Math.floor(Math.log10(min) - 1e-9);
        int hi = (int) Math.ceil(Math.log10(max) + 1e-9);
        if (hi == lo) {
            hi = lo + 1;
        }
        int groupH = engines.size() * BAR_H + GROUP_GAP;
        int plotH = kernels.size() * groupH;
        int legendH = 18 * ((engines.size() + 3) / 4) + 10;
        int width = LABEL_W + PLOT_W + 40;
        int height = TOP + plotH + 30 + legendH;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\" font-weight=\"bold\">%s</text>%n",
                10, escape(title)));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"32\" fill=\"#555\">time relative to native code, "
                + "log scale (1 = native; shorter is faster)</text>%n", 10));
        // Grid lines at each decade, with labels below the plot.
        for (int d = lo; d <= hi; d++) {
            double x = xOf(Math.pow(10, d), lo, hi);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\"/>%n",
                    x, TOP, x, TOP + plotH, d == 0 ? "#000" : "#ddd"));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    x, TOP + plotH + 14, d >= 0 ? "×" + (long) Math.pow(10, d) : "×" + Math.pow(10, d)));
        }
        for (int k = 0; k < kernels.size(); k++) {
            int y0 = TOP + k * groupH;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n",
                    LABEL_W - 6, y0 + engines.size() * BAR_H / 2 + 4, escape(kernels.get(k))));
            for (int e = 0; e < engines.size(); e++) {
                int y = y0 + e * BAR_H;
                double r = ratios[k][e];
                if (Double.isFinite(r) && r > 0) {
                    double x0 = xOf(Math.pow(10, lo), lo, hi);
                    double x1 = xOf(r, lo, hi);
                    s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                            + "fill=\"%s\"><title>%s %s: %.3g× native</title></rect>%n", x0, y, Math.max(1, x1 - x0),
                            BAR_H - 1, COLORS[e % COLORS.length], escape(engines.get(e)), escape(kernels.get(k)), r));
                } else {
                    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"8\" fill=\"#999\">"
                            + "n/a (%s)</text>%n", LABEL_W + 2, y + BAR_H - 1, escape(engines.get(e))));
                }
            }
        }
        int ly = TOP + plotH + 32;
        for (int e = 0; e < engines.size(); e++) {
            int x = LABEL_W + (e % 4) * 160;
            int y = ly + (e / 4) * 18;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                    + "<text x=\"%d\" y=\"%d\">%s</text>%n", x, y, COLORS[e % COLORS.length], x + 16, y + 10,
                    escape(engines.get(e))));
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static double xOf(double ratio, int lo, int hi) {
        return LABEL_W + (Math.log10(ratio) - lo) / (hi - lo) * PLOT_W;
    }

    private static String escape(String t) {
        return t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
