"""Small widgets shared by several pages.

For every task tab (Images, Video, Speech, Embeddings) and the Library:

- ``task_pickers``: ``TaskModelPicker(services, task)`` (editable model box, remembers the
  last model per task) and ``PolicyPicker(task)`` ("Auto — your order", "Fastest",
  "Cheapest", then each enabled provider that serves the task); ``task_providers()``.
- ``routing_badge``: ``RoutingBadge`` ("via fal · 2.1 s", "Together AI 429 → fal ✓", and a
  Details table of the whole trace); its words are in ``routing_words`` (no Qt).
- ``run_button``: ``RunButton`` — the primary action that becomes "Cancel" while its task runs.
- ``error_banner``: ``ErrorBanner`` — one sentence plus the fix button for an engine
  ``error_action``, emitted as ``action_requested(str)``.
- ``prompt_box``: ``PromptBox`` — multi-line prompt, Ctrl+Enter submits.
- ``param_fields``: steps / guidance boxes and ``SeedField`` with hover explanations.
- ``thumbnails``: ``load_scaled`` (Pillow, for the thread pool) and ``ThumbnailCache``.
- ``image_view``: ``ImagePreview`` (scaled, drag-out) and ``ImageWindow`` (open large).
- ``video_player``: ``VideoPlayer`` (QMediaPlayer + QVideoWidget, play/pause/seek/time).
- ``file_actions``: save-as without ``exec()``, copy to the clipboard, drag payloads, reveal.
- ``generation_list`` / ``generation_text``: stored generations as list rows and plain words.
- ``notify``: ``notify_finished`` — tray message or in-window banner when a long job ends.
- ``task_page``: what the four task tabs wire alike (pickers, Run button, banner fixes,
  elapsed clock, earlier runs, saved layout, "Save as…", exports), as plain helpers.
- ``result_parts``: prompt, caption, routing badge and actions row under a result.
- ``export_kinds``: ``ExportKind`` — one export button's label, file ending and filter.
"""
