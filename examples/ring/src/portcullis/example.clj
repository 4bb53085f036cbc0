(ns portcullis.example
  "clojure -M:run, then put Portcullis in front with upstream.url: \"http://127.0.0.1:8000\"."
  (:require [portcullis.identity :refer [wrap-client-identity]]
            [ring.adapter.jetty :as jetty]))

(defn whoami [request]
  (let [{:keys [subject fingerprint san]} (:client-identity request)]
    {:status  200
     :headers {"Content-Type" "text/plain; charset=utf-8"}
     :body    (str "subject: " subject "\nfingerprint: " fingerprint "\nsan: " (pr-str san) "\n")}))

(def app
  (wrap-client-identity
    (fn [request]
      (if (= "/whoami" (:uri request))
        (whoami request)
        {:status 404 :headers {} :body "not found\n"}))))

(defn -main [& _]
  ;; Loopback only: the identity headers are trustworthy because only Portcullis can reach this port.
  (jetty/run-jetty app {:host "127.0.0.1" :port 8000 :join? true}))
