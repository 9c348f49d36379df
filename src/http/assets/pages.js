// The metrics pages' only script: draws the charts from the numbers the server wrote into the page
// (the same numbers as each chart's table), switches chart views and leaderboards, copies text.
(function () {
  'use strict';
  var style = getComputedStyle(document.documentElement);
  var cssColor = function (name) {
    return style.getPropertyValue(name).trim() || name;
  };

  var charts = {};
  // Today's partial day (spec.partial, its index) is drawn lighter: a faded bar, a dashed last segment.
  var lighter = function (color) {
    return /^#[0-9a-f]{6}$/i.test(color) ? color + '59' : color;
  };
  var datasetsOf = function (spec, view) {
    var partial = typeof spec.partial === 'number' ? spec.partial : -1;
    return spec.views[view].datasets.map(function (d) {
      var c = cssColor(d.color);
      // A series on the right axis is another unit: drawn as a line over the bars, on its own scale.
      var right = d.axis === 'right';
      var line = spec.kind === 'line' || right;
      var faded = partial < 0 ? c : d.data.map(function (_, i) {
        return i === partial ? lighter(c) : c;
      });
      return {
        label: d.label,
        data: d.data,
        type: right ? 'line' : undefined,
        yAxisID: right ? 'y1' : 'y',
        order: right ? 0 : 1,
        backgroundColor: line ? c : faded,
        borderColor: c,
        pointBackgroundColor: line ? faded : undefined,
        borderWidth: line ? 2 : 0,
        pointRadius: line && d.data.length > 45 ? 0 : 2,
        segment: line && partial >= 0 ? { borderDash: function (ctx) { return ctx.p1DataIndex === partial ? [4, 4] : undefined; } } : undefined,
        spanGaps: true,
        tension: 0.2,
      };
    });
  };

  var source = document.getElementById('chart-data');
  if (source && window.Chart) {
    var specs = JSON.parse(source.textContent || '{}');
    var Chart = window.Chart;
    Chart.defaults.animation = false;
    Chart.defaults.color = cssColor('--muted');
    Chart.defaults.borderColor = cssColor('--line');
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.maintainAspectRatio = false;

    document.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      var id = canvas.getAttribute('data-chart');
      var spec = specs[id];
      if (!spec) return;
      var view = canvas.getAttribute('data-view') || Object.keys(spec.views)[0];
      var rightLabel = spec.views[view].rightLabel;
      var scales = {
        x: { stacked: !!spec.stacked, ticks: { maxTicksLimit: 8, maxRotation: 0 } },
        y: { stacked: !!spec.stacked, beginAtZero: true, title: { display: !!spec.views[view].yLabel, text: spec.views[view].yLabel || '' } },
      };
      if (rightLabel) {
        scales.y1 = { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, ticks: { precision: 0 }, title: { display: true, text: rightLabel } };
      }
      charts[id] = {
        spec: spec,
        chart: new Chart(canvas, {
          type: spec.kind,
          data: { labels: spec.labels, datasets: datasetsOf(spec, view) },
          options: {
            interaction: { mode: 'index', intersect: false },
            plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
            scales: scales,
          },
        }),
      };
      canvas.setAttribute('data-view', view);
      canvas.setAttribute('data-drawn', 'true');
    });
  }

  // A chart's view toggle: <div class="toggle" data-chart-toggle="id"><button data-view="lines">…
  document.querySelectorAll('[data-chart-toggle]').forEach(function (group) {
    var id = group.getAttribute('data-chart-toggle');
    group.addEventListener('click', function (event) {
      var button = event.target.closest('button[data-view]');
      var entry = charts[id];
      if (!button || !entry) return;
      var view = button.getAttribute('data-view');
      entry.chart.data.datasets = datasetsOf(entry.spec, view);
      entry.chart.options.scales.y.title.text = entry.spec.views[view].yLabel || '';
      entry.chart.options.scales.y.title.display = !!entry.spec.views[view].yLabel;
      entry.chart.update();
      entry.chart.canvas.setAttribute('data-view', view);
      group.querySelectorAll('button').forEach(function (b) {
        b.setAttribute('aria-pressed', String(b === button));
      });
    });
  });

  // Leaderboards: each toggle group sets one part of the board's name (metric, scope).
  document.querySelectorAll('[data-board]').forEach(function (board) {
    var state = {};
    var groups = board.querySelectorAll('[data-board-part]');
    var show = function () {
      var name = Array.prototype.map
        .call(groups, function (g) {
          return state[g.getAttribute('data-board-part')];
        })
        .join('-');
      board.querySelectorAll('[data-board-table]').forEach(function (t) {
        t.hidden = t.getAttribute('data-board-table') !== name;
      });
      board.setAttribute('data-showing', name);
    };
    groups.forEach(function (group) {
      var pressed = group.querySelector('button[aria-pressed="true"]');
      state[group.getAttribute('data-board-part')] = pressed ? pressed.getAttribute('data-value') : '';
      group.addEventListener('click', function (event) {
        var button = event.target.closest('button[data-value]');
        if (!button) return;
        state[group.getAttribute('data-board-part')] = button.getAttribute('data-value');
        group.querySelectorAll('button').forEach(function (b) {
          b.setAttribute('aria-pressed', String(b === button));
        });
        show();
      });
    });
    show();
  });

  // Copy buttons: <button data-copy="element-id">
  document.querySelectorAll('button[data-copy]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var target = document.getElementById(button.getAttribute('data-copy'));
      if (!target || !navigator.clipboard) return;
      navigator.clipboard.writeText(target.textContent || '').then(function () {
        button.textContent = 'Copied';
      });
    });
  });
})();
