"""Base StreamField blocks shared by every page type; apps extend BaseStreamBlock with their own
groups of blocks."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock


class HeadingBlock(blocks.StructBlock):
    heading_text = blocks.CharBlock(classname="title", required=True)
    size = blocks.ChoiceBlock(
        choices=[("h2", _("Heading 2")), ("h3", _("Heading 3")), ("h4", _("Heading 4"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"
        description = _("A section heading")
        preview_value = {"heading_text": "Preparedness across borders", "size": "h2"}


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(required=True)
    caption = blocks.CharBlock(required=False)
    alt_text = blocks.CharBlock(
        required=False, help_text=_("Describe the image for people who cannot see it.")
    )

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"
        description = _("An image with an optional caption")
        preview_value = {"caption": "A table-top exercise in progress"}


class CalloutBlock(blocks.StructBlock):
    tone = blocks.ChoiceBlock(
        choices=[("info", _("Information")), ("tip", _("Tip")), ("warning", _("Warning"))],
        default="info",
    )
    title = blocks.CharBlock(required=False)
    text = blocks.RichTextBlock(features=["bold", "italic", "link", "ul", "ol"])

    class Meta:
        icon = "warning"
        template = "blocks/callout_block.html"
        description = _("A highlighted note")
        preview_value = {
            "tone": "tip",
            "title": "Before the exercise",
            "text": "<p>Bring your organisation's emergency plan.</p>",
        }


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock()
    attribution = blocks.CharBlock(required=False)

    class Meta:
        icon = "openquote"
        template = "blocks/quote_block.html"
        description = _("A quotation with its source")
        preview_value = {
            "text": "Preparedness is built together, before the crisis.",
            "attribution": "Workshop participant",
        }


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    title = blocks.CharBlock(required=False, help_text=_("Shown instead of the document's title."))

    class Meta:
        icon = "doc-full"
        template = "blocks/document_block.html"
        description = _("A downloadable document")
        preview_value = {"title": "Exercise handbook (PDF)"}


class VideoBlock(blocks.StructBlock):
    video = EmbedBlock(help_text=_("A link to a video page, e.g. on YouTube or Vimeo."))
    caption = blocks.CharBlock(required=False)

    class Meta:
        icon = "media"
        template = "blocks/video_block.html"
        description = _("An embedded video")
        preview_value = {"caption": "Introduction to the programme"}


class BaseStreamBlock(blocks.StreamBlock):
    heading_block = HeadingBlock(group="Text")
    paragraph_block = blocks.RichTextBlock(
        icon="pilcrow",
        template="blocks/paragraph_block.html",
        group="Text",
        description=_("Formatted text"),
        preview_value="<p>Cooperation across the Baltic Sea Region.</p>",
    )
    callout_block = CalloutBlock(group="Text")
    quote_block = QuoteBlock(group="Text")
    image_block = ImageBlock(group="Media")
    video_block = VideoBlock(group="Media")
    document_block = DocumentBlock(group="Media")
