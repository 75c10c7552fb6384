// The Layer explorer's picture frames (ui/explorer/pictures.py). The input, output and feature-map panels each
// hold a frame that never changes; an update sends the pictures that changed ({frame id: picture, or null to
// hide its panel}) in one hidden value, and showPictures puts them in the frames. The page keeps the latest of
// each (window.llPictures): a panel Gradio builds after the first update (a tab's components are built when it
// is first opened) takes its picture from there when it loads (loadFrame).

// One picture into its frame: src, alt, title and the download link's words, in the visitor's language.
function showPicture(frame, picture) {
  frame.closest('.block').style.display = picture ? '' : 'none';
  if (!picture) return;
  const img = frame.querySelector('img');
  img.src = picture.src; img.alt = picture.alt; img.title = picture.title;
  frame.querySelector('a.ll-download').textContent = picture.download;
}

function showPictures(pictures) {
  const latest = (window.llPictures ??= {});
  for (const [id, picture] of Object.entries(pictures || {})) {
    latest[id] = picture;
    const frame = document.getElementById(id);
    if (frame) showPicture(frame, picture);
  }
  clearTimeout(window.llSettle);
  settleLater();
}

// A held slider's pictures are previews, JPEGs a fifth the size of the exact WebPs (ui/explorer/tab.py); its
// release brings the exact ones. A hand that rests SETTLE_MS on a value, still holding the slider, gets them then
// (the page clicks the explorer's unseen button, #explorer-exact, which asks for them), as does a release that
// never reached the page, or a held update's preview that came after the release's exact pictures (the two run
// side by side). Whether a preview shows is read when the hand rests: the frames' latest pictures, and the stage
// gallery, which its own panel shows.
const SETTLE_MS = 200;
const PREVIEW = 'data:image/jpeg';
function settleLater() {
  window.llSettle = setTimeout(function settle() {
    const resting = performance.now() - (window.llLastInput ?? 0);
    if (resting < SETTLE_MS) window.llSettle = setTimeout(settle, SETTLE_MS - resting);
    else if (Object.values(window.llPictures ?? {}).some((picture) => picture?.src.startsWith(PREVIEW))
             || document.querySelector(`.ll-stages img[src^="${PREVIEW}"]`)) {
      document.getElementById('explorer-exact')?.click();
    }
  }, SETTLE_MS);
}

// While a slider is held, and HOLD_AFTER_MS after its release, the body has the class ll-holding: the figures
// below are then not drawn when off screen (assets/app.css says why a class), and drawing them again comes after
// the release's picture, which takes about 100 ms (their figures come after it anyway). Only the pointer that
// pressed ends the hold; a window that loses the focus mid-drag may never get its pointerup.
const HOLD_AFTER_MS = 300;
function listenForHolds() {
  let holder = null, ending = null;   // the pointer that pressed; the timer that ends the hold
  const end = () => {
    holder = null;
    clearTimeout(ending);
    ending = setTimeout(() => document.body.classList.remove('ll-holding'), HOLD_AFTER_MS);
  };
  document.addEventListener('pointerdown', (e) => {
    if (e.target.type !== 'range') return;
    holder = e.pointerId;
    clearTimeout(ending);
    document.body.classList.add('ll-holding');
  }, {capture: true});
  for (const type of ['pointerup', 'pointercancel']) {
    document.addEventListener(type, (e) => { if (e.pointerId === holder) end(); }, {capture: true});
  }
  window.addEventListener('blur', () => { if (holder !== null) end(); });
}

// A panel just built (`element`): its latest picture, a click on a picture shows it full screen, and "download
// PNG" saves the shown pixels as a PNG (the page gets lossless WebPs; every tool reads a PNG).
function loadFrame(element) {
  if (!window.llPageListeners) {
    document.addEventListener('input', (e) => {   // when a slider last moved, for settleLater
      if (e.target.type === 'range') window.llLastInput = performance.now();
    }, {capture: true});
    listenForHolds();
    window.llPageListeners = true;
  }
  const frame = element.querySelector('.ll-picture');
  if (frame && window.llPictures && frame.id in window.llPictures) showPicture(frame, window.llPictures[frame.id]);
  element.addEventListener('click', (e) => {
    const link = e.target.closest('a.ll-download');
    if (link) {
      const img = link.parentElement.querySelector('img'), canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
      canvas.getContext('2d').drawImage(img, 0, 0);
      link.href = canvas.toDataURL('image/png');
    } else if (e.target.tagName === 'IMG') e.target.requestFullscreen?.();
  });
}
