// connected_device_4's page script: polls /get_cpu_usage once a second,
// and listens on a WebSocket for the memory usage (drawn as a graph of the
// last 100 readings) and for LED changes.
(function() {
  var cpu = document.getElementById('cpu_usage');
  var mem = document.getElementById('memory_usage');
  var led = document.getElementById('led');
  var canvas = document.getElementById('graph');
  var points = [];
  var ws = new WebSocket('ws://' + location.host + '/');

  function pollCpu() {
    fetch('/get_cpu_usage', {cache: 'no-store'})
        .then(function(r) { return r.json(); })
        .then(function(json) { cpu.textContent = json.result; })
        .catch(function() { cpu.textContent = '?'; });
  }

  function draw() {
    var g = canvas.getContext('2d'), w = canvas.width, h = canvas.height;
    var i;
    g.clearRect(0, 0, w, h);
    g.beginPath();
    for (i = 0; i < points.length; i++) {
      g.lineTo(i * w / 99, h - points[i] * h / 100);
    }
    g.stroke();
  }

  ws.onmessage = function(ev) {
    var msg = JSON.parse(ev.data);
    if ('memory_usage' in msg) {
      mem.textContent = msg.memory_usage;
      points.push(msg.memory_usage);
      if (points.length > 100) points.shift();
      draw();
    }
    if ('led' in msg) led.textContent = msg.led ? 'on' : 'off';
  };
  pollCpu();
  setInterval(pollCpu, 1000);
})();
