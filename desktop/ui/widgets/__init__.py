"""Small widgets shared by several pages.

For every task tab (Images, Video, Speech, Embeddings) and the Library:

- ``task_pickers``: ``TaskModelPicker(services, task)`` (editable model box, remembers the
  last model per task) and ``PolicyPicker(task)`` ("Auto — your order", "Fastest",
  "Cheapest", then each enabled provider that serves the task); ``task_providers()``.
- ``routing_badge``: ``RoutingBadge`` ("via fal · 2.1 s", "Together AI 429 → fal ✓", and a
  Details table of the whole trace); its words are in ``routing_words`` (no Qt).
- ``run_button``: ``RunButton`` — the primary action that becomes "Cancel" while its task runs.
- ``message_bar``: ``MessageBar`` — the one bar of every page: one sentence plus the fix
  button for an engine ``action`` (``FIX_LABELS``), emitted as ``action_requested(str)``;
  what each button does is ``desktop.ui.errors.apply_fix``.
- ``prompt_box``: ``PromptBox`` — multi-line prompt, Ctrl+Enter submits.
- ``param_fields``: ``MediaForm`` (prompt, "Leave out", steps, guidance, seed rows) and the
  boxes it is made of, with hover explanations.
- ``thumbnails``: ``load_scaled`` / ``load_fitted`` (Pillow, for the thread pool) and
  ``ThumbnailCache``.
- ``image_view``: ``ImagePreview`` (scaled, drag-out) and ``ImageWindow`` (open large).
- ``preview_loader``: ``PreviewLoader`` — keeps an ``ImagePreview``'s picture decoded at the
  size it is drawn, decoding again (in the pool) when it grows or shrinks.
- ``video_player``: ``VideoPlayer`` (QMediaPlayer + QVideoWidget, play/pause/seek/time).
- ``file_actions``: save-as without ``exec()``, copy to the clipboard, drag payloads (the
  picture read from its file only when a drop target asks), reveal.
- ``generation_list`` / ``generation_text``: stored generations as list rows and plain words.
- ``notify``: ``notify_finished`` — tray message or in-window banner when a long job ends.
- ``task_page``: ``TaskPage``, what every task tab is (task, scope, pickers, Run button,
  message bar and its fixes, saved layout), and small helpers ("Save as…", exports).
- ``media_page``: ``MediaPage``, the Images/Video skeleton (form left, result and list right).
- ``request_page``: ``RequestPage``, the Speech/Embeddings skeleton (one routed request, its
  badge and clock, earlier runs).
- ``result_parts``: prompt, caption, routing badge and actions row under a result.
- ``export_kinds``: ``ExportKind`` — one export button's label, file ending and filter.
- ``start_picture``: ``StartPictureField`` — the start picture of a change or an animation
  (drop, paste, pick, "Use this picture"), previewed off the loop.
- ``styles_field``: ``StylesField`` (chosen styles, a weight each) and ``StyleBrowser`` (the
  Hub's LoRA adapters of the chosen model, with trigger words and example titles).
"""
