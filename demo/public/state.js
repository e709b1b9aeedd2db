// The State store example (demo/public/state.html).
PyFrameRT.createState({ count: 0, updated_at: null }).then((state) => {
  let renders = 0;
  const render = () => {
    renders++;
    document.getElementById('renders').textContent = renders;
    document.getElementById('count').textContent = state.get('count');
    document.getElementById('state').textContent = JSON.stringify(state.toJSON(), null, 2);
  };
  state.subscribe(render);
  render();
  const bump = () => state.setMultiple({ count: state.get('count') + 1, updated_at: new Date().toISOString() });
  document.getElementById('inc').addEventListener('click', bump);
  document.getElementById('burst').addEventListener('click', () => { for (let i = 0; i < 100; i++) bump(); });
  document.getElementById('bad').addEventListener('click', () => {
    try {
      state.updateJSON('count', '{"oops": ');
    } catch (e) {
      document.getElementById('error').textContent = `${e.name} ${e.code}: ${e.message}`;
    }
  });
});
