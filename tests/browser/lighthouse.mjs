// Runs Lighthouse on a list of pages in one Chromium, each page with its account's session cookie.
// Called by `python -m tests.browser.lighthouse` (which says what it measures and why):
//   node tests/browser/lighthouse.mjs JOB.json
// JOB.json: {"base_url", "chromium", "categories", "cookie_name", "cookies": {username: value},
//            "pages": [{"path", "username", "report"}]}. Each page's JSON report is written to its
// "report" path; a page Lighthouse cannot load gets {"runtimeError": {"message"}} there instead.
import {readFileSync, writeFileSync} from 'node:fs';

import lighthouse from 'lighthouse';
import puppeteer from 'puppeteer-core';

const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const browser = await puppeteer.launch({
  executablePath: job.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
});
const host = new URL(job.base_url).hostname;
try {
  for (const page of job.pages) {
    const tab = await browser.newPage();
    // A real cookie in the browser's jar, so that every request of the page carries it (the
    // admin's jsi18n script included), as it does for a signed-in person.
    await browser.deleteCookie(...(await browser.cookies()));
    await browser.setCookie({name: job.cookie_name, value: job.cookies[page.username], domain: host, path: '/'});
    let report;
    try {
      const result = await lighthouse(
        job.base_url + page.path,
        {
          output: 'json',
          logLevel: 'error',
          onlyCategories: job.categories,
          formFactor: 'mobile',
          // Keep the session: Lighthouse otherwise clears the origin's storage before loading.
          disableStorageReset: true,
          disableFullPageScreenshot: true,
        },
        undefined,
        tab,
      );
      report = result.report;
    } catch (error) {
      report = JSON.stringify({runtimeError: {message: String(error)}, categories: {}});
    }
    writeFileSync(page.report, report);
    await tab.close();
  }
} finally {
  await browser.close();
}
