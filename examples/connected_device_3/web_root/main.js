// connected_device_3's page script: shows the device's CPU usage, read from
// /get_cpu_usage once a second.
(function() {
  var out = document.getElementById('cpu_usage');
  function update() {
    fetch('/get_cpu_usage', {cache: 'no-store'})
        .then(function(r) { return r.json(); })
        .then(function(json) { out.textContent = json.result; })
        .catch(function() { out.textContent = '?'; });
  }
  update();
  setInterval(update, 1000);
})();
