// Browser notifications, counted: NotificationSystem asks for one per new
// unread notification it receives (pf_component_call "notify"), so this
// list is what the component received, duplicates included, whatever its
// list cap keeps on screen.
window.notified = [];
window.Notification = class {
  static permission = 'granted';
  static requestPermission() { return Promise.resolve('granted'); }
  constructor(title) { window.notified.push(title); }
};
