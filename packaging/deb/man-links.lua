-- A manual page names the other pages (carpd(8)); the Markdown links to their files, which mean
-- nothing in man, so only the link text is kept.
function Link(link)
  return link.content
end
